-- Tables that stop growing: services/submitter/retention.ts prunes them on a timer.
--
-- The outbox keeps no captured rows: rows the outbox connector has confirmed are deleted. Those
-- deletes are of no interest downstream (the EventRouter would drop each with a log line), so
-- the publication no longer carries deletes at all.
ALTER PUBLICATION chainsync_outbox SET (publish = 'insert, update');

-- A dead letter someone dealt with (replayed, discarded, its cause fixed) is kept for the
-- retention period after that, then pruned. Unhandled ones are the DLQ depth and are never pruned.
ALTER TABLE submitter_dead_letters ADD COLUMN handled_at timestamptz;
CREATE INDEX submitter_dead_letters_handled ON submitter_dead_letters (handled_at) WHERE handled_at IS NOT NULL;
CREATE INDEX submitter_dead_letters_unhandled ON submitter_dead_letters (created_at) WHERE handled_at IS NULL;

-- Published status events older than their retention, and the signed attempts of operations
-- that ended long ago, pruned by age. created_at is never updated, so indexing it keeps the
-- attempts' updates (sent_at, outcome) heap-only.
CREATE INDEX submitter_status_outbox_published ON submitter_status_outbox (published_at) WHERE published_at IS NOT NULL;
CREATE INDEX submitter_attempts_created ON submitter_attempts (created_at);
