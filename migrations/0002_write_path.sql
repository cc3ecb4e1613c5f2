-- Business side of the write path: tickets, the platform's custodial wallets, and one row per
-- requested operation. Written by the application API (api/) in the caller's transaction.

CREATE TABLE tickets (
  id            text        PRIMARY KEY,
  event_id      text        NOT NULL,
  -- The owner as the chain reports it; set only by the projector (invariant 4: never before
  -- the chain confirmed it).
  owner_wallet  text,
  -- Deterministic (derived from the platform authority and the ticket id), so it is known when
  -- the mint is requested.
  mint_address  text        UNIQUE,
  status        text        NOT NULL DEFAULT 'created'
                CHECK (status IN ('created', 'mint_requested', 'minted', 'burned')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tickets_event ON tickets (event_id);
CREATE INDEX tickets_owner ON tickets (owner_wallet);

-- Wallets whose keys the platform derives from its master seed (SLIP-0010, m/44'/501'/index'/0').
CREATE TABLE custodial_wallets (
  address          text        PRIMARY KEY,
  derivation_index integer     NOT NULL UNIQUE CHECK (derivation_index >= 0),
  label            text,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chain_operations (
  op_id            uuid        PRIMARY KEY,
  idempotency_key  text        NOT NULL UNIQUE,
  -- sha256 of the canonical request: the same key with another request is a conflict.
  request_hash     text        NOT NULL,
  type             text        NOT NULL CHECK (type IN ('mint', 'transfer', 'burn')),
  ticket_id        text        NOT NULL REFERENCES tickets (id),
  mint             text        NOT NULL,
  from_wallet      text,
  to_wallet        text,
  -- Follows chain.ops.status (the projector's status consumer), never the submitter's guesses.
  state            text        NOT NULL DEFAULT 'requested'
                   CHECK (state IN ('requested', 'submitted', 'confirmed', 'finalized', 'expired', 'failed', 'dead_lettered')),
  attempts         integer     NOT NULL DEFAULT 0,
  last_signature   text,
  last_slot        bigint,
  last_error       text,
  requested_at     timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  confirmed_at     timestamptz
);
CREATE INDEX chain_operations_mint ON chain_operations (mint, requested_at);
CREATE INDEX chain_operations_signature ON chain_operations (last_signature);
CREATE INDEX chain_operations_open ON chain_operations (state, updated_at) WHERE state NOT IN ('finalized', 'dead_lettered');
