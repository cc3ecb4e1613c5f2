-- An operation the submitter parked for review: its step met the same internal error (a bug, or a
-- statement the database refuses the same way every time) SUBMITTER_PARK_AFTER times. It keeps
-- its state (pending, or submitted with its attempts: parking never reports a failure, and an
-- attempt that may be out is looked up on chain when it resumes) and holds its mint's later
-- operations back, but no instance runs it while parked_at is set. A human who has fixed the
-- cause clears parked_at (UPDATE submitter_ops SET parked_at = NULL WHERE op_id = ...) and the
-- scheduler takes it up again; parked_reason stays as the record of what happened.
ALTER TABLE submitter_ops
  ADD COLUMN parked_at     timestamptz,
  ADD COLUMN parked_reason text;
ALTER TABLE submitter_ops ALTER COLUMN parked_reason SET STATISTICS 0;

-- chainsync_submitter_parked_operations counts these at every scrape.
CREATE INDEX submitter_ops_parked ON submitter_ops (op_id) WHERE parked_at IS NOT NULL AND state IN ('pending', 'submitted');
