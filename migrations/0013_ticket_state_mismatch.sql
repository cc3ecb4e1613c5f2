-- The reconciler compares a ticket's state with the chain too (issue 14): a ticket left
-- mint_requested while its mint exists or was burned on chain is a ticket_state_mismatch, healed
-- from the chain. Its audit row says which state the ticket had and which it was given; rows of
-- owner corrections leave both empty.
ALTER TABLE discrepancies DROP CONSTRAINT discrepancies_kind_check;
ALTER TABLE discrepancies ADD CONSTRAINT discrepancies_kind_check
  CHECK (kind IN ('owner_mismatch', 'ticket_state_mismatch', 'missing_on_chain', 'missing_in_db', 'stuck_operation', 'dlq_growth'));

ALTER TABLE reconciler_owner_audit
  ADD COLUMN old_status text,
  ADD COLUMN new_status text;
