-- Autovacuum analyzes these tables while they grow (every 10% of new rows), and an analyze of a
-- table sorts a sample of every column. Payloads, signed bytes and error texts are never filtered
-- or joined on, so their statistics were paid for and never used: on a 2-core machine under load
-- the round of analyzes every minute took about a second and a half of CPU in a few seconds
-- (the end-to-end bench's slowest requests fell in those seconds). Without them an analyze of the
-- status outbox, the largest, takes 40-60% less time.
ALTER TABLE chain_outbox ALTER COLUMN payload SET STATISTICS 0;
ALTER TABLE submitter_status_outbox ALTER COLUMN payload SET STATISTICS 0;
ALTER TABLE submitter_dead_letters ALTER COLUMN payload SET STATISTICS 0, ALTER COLUMN reason SET STATISTICS 0;
ALTER TABLE submitter_attempts ALTER COLUMN tx_bytes SET STATISTICS 0, ALTER COLUMN blockhash SET STATISTICS 0;
ALTER TABLE submitter_ops ALTER COLUMN last_error SET STATISTICS 0;
ALTER TABLE chain_operations ALTER COLUMN request_hash SET STATISTICS 0, ALTER COLUMN last_error SET STATISTICS 0;
