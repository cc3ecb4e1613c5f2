-- The submitter's own durable state. Kafka only notifies; these tables are the work queue, the
-- record of every signed attempt, the per-mint leases between instances, and two outboxes
-- (status events, dead letters) published by the submitter's publisher loop.

-- One row per operation taken in from chain.ops.requested, deduplicated by op id.
-- seq is the intake order: per mint, operations run strictly in seq order.
CREATE TABLE submitter_ops (
  op_id            uuid        PRIMARY KEY,
  seq              bigserial   NOT NULL UNIQUE,
  idempotency_key  text        NOT NULL,
  type             text        NOT NULL CHECK (type IN ('mint', 'transfer', 'burn')),
  mint             text        NOT NULL,
  ticket_id        text        NOT NULL,
  from_wallet      text,
  to_wallet        text,
  -- pending: no attempt yet; submitted: an attempt is out; confirmed: done for ordering, waiting
  -- for finality; finalized / failed: done.
  state            text        NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'submitted', 'confirmed', 'finalized', 'failed')),
  attempts         integer     NOT NULL DEFAULT 0,
  last_signature   text,
  last_slot        bigint,
  last_error       text,
  requested_at     timestamptz NOT NULL,
  taken_at         timestamptz NOT NULL DEFAULT now(),
  confirmed_at     timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX submitter_ops_active ON submitter_ops (mint, seq) WHERE state IN ('pending', 'submitted');
CREATE INDEX submitter_ops_confirmed ON submitter_ops (confirmed_at) WHERE state = 'confirmed';

-- Every signed transaction, written BEFORE it is broadcast, so a restart can rebroadcast the same
-- bytes or look its signature up instead of signing a second, different transaction.
CREATE TABLE submitter_attempts (
  op_id                   uuid        NOT NULL REFERENCES submitter_ops (op_id),
  attempt                 integer     NOT NULL CHECK (attempt >= 1),
  signature               text        NOT NULL UNIQUE,
  tx_bytes                bytea       NOT NULL,
  blockhash               text        NOT NULL,
  last_valid_block_height bigint      NOT NULL,
  created_at              timestamptz NOT NULL DEFAULT now(),
  sent_at                 timestamptz,
  outcome                 text        CHECK (outcome IN ('confirmed', 'expired', 'failed')),
  PRIMARY KEY (op_id, attempt)
);

-- One worker per mint across all instances: a lease with an expiry, renewed while held.
CREATE TABLE submitter_leases (
  mint       text        PRIMARY KEY,
  holder     text        NOT NULL,
  expires_at timestamptz NOT NULL
);

-- chain.ops.status events, written in the transaction of the state change they describe.
-- The unique key makes a replayed state change (a redelivery, a resumed worker) a no-op.
CREATE TABLE submitter_status_outbox (
  id           bigserial   PRIMARY KEY,
  op_id        uuid        NOT NULL,
  mint         text        NOT NULL,
  state        text        NOT NULL,
  attempt      integer     NOT NULL,
  payload      jsonb       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  UNIQUE (op_id, state, attempt)
);
CREATE INDEX submitter_status_outbox_unpublished ON submitter_status_outbox (id) WHERE published_at IS NULL;

-- chain.ops.dlq records. dedupe_key is the outbox event id (the `id` header) when there is one,
-- else the op id, else topic/partition/offset: a redelivered poison record is recorded once.
CREATE TABLE submitter_dead_letters (
  id           bigserial   PRIMARY KEY,
  dedupe_key   text        NOT NULL UNIQUE,
  op_id        text,
  mint         text,
  error_kind   text        NOT NULL CHECK (error_kind IN ('invalid_input', 'permanent', 'exhausted')),
  reason       text        NOT NULL,
  payload      jsonb       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX submitter_dead_letters_unpublished ON submitter_dead_letters (id) WHERE published_at IS NULL;
