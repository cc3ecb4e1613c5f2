-- The transactional outbox that Debezium streams into chain.ops.requested.
-- Column names are the EventRouter's defaults: id (event id, carried as a header),
-- aggregatetype, aggregateid (the mint address: the Kafka key), type, payload.
CREATE TABLE chain_outbox (
  id            uuid        PRIMARY KEY,
  aggregatetype text        NOT NULL,
  aggregateid   text        NOT NULL,
  type          text        NOT NULL,
  payload       jsonb       NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chain_outbox_created_at ON chain_outbox (created_at);

-- Debezium's heartbeat.action.query writes here so the replication slot advances even when no
-- outbox row is written (otherwise Postgres keeps WAL for the slot forever on a quiet outbox).
CREATE TABLE chain_heartbeat (
  id smallint    PRIMARY KEY,
  ts timestamptz NOT NULL
);

-- Created ahead so the connector needs no superuser (publication.autocreate.mode=disabled).
CREATE PUBLICATION chainsync_outbox FOR TABLE chain_outbox, chain_heartbeat;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'chainsync_debezium') THEN
    GRANT USAGE ON SCHEMA public TO chainsync_debezium;
    GRANT SELECT ON chain_outbox TO chainsync_debezium;
    GRANT SELECT, INSERT, UPDATE ON chain_heartbeat TO chainsync_debezium;
  END IF;
END $$;
