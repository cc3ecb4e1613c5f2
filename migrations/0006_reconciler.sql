-- The reconciler's own state: discrepancies with their history, the record of each full
-- reconciliation run, the mints it tracks (learned from chain.ownership and from runs), and an
-- audit row for every database correction it makes from the chain.

CREATE TABLE discrepancies (
  id           uuid        PRIMARY KEY,
  mint         text        NOT NULL,
  kind         text        NOT NULL
               CHECK (kind IN ('owner_mismatch', 'missing_on_chain', 'missing_in_db', 'stuck_operation', 'dlq_growth')),
  -- open: found, not handled yet; needs_review: handed to a human; healed: corrected by the
  -- reconciler; resolved: the condition went away (the pipeline caught up) or a human closed it.
  state        text        NOT NULL CHECK (state IN ('open', 'healed', 'needs_review', 'resolved')),
  severity     text        NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  op_id        uuid,
  db_value     text,
  chain_value  text,
  slot         bigint,
  source       text        NOT NULL CHECK (source IN ('stream', 'full_run')),
  run_id       bigint,
  resolution   text,
  detected_at  timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  closed_at    timestamptz
);
-- One active discrepancy per mint and kind: re-detection touches it instead of adding another.
CREATE UNIQUE INDEX discrepancies_active ON discrepancies (mint, kind) WHERE state IN ('open', 'needs_review');
CREATE INDEX discrepancies_state ON discrepancies (state, kind);
CREATE INDEX discrepancies_closed ON discrepancies (closed_at) WHERE closed_at IS NOT NULL;

CREATE TABLE discrepancy_history (
  id             bigserial   PRIMARY KEY,
  discrepancy_id uuid        NOT NULL REFERENCES discrepancies (id) ON DELETE CASCADE,
  state          text        NOT NULL,
  note           text,
  at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX discrepancy_history_of ON discrepancy_history (discrepancy_id, id);

-- One row per full reconciliation; kept at least 90 days (the retention job deletes older ones).
CREATE TABLE reconcile_runs (
  id          bigserial   PRIMARY KEY,
  trigger     text        NOT NULL CHECK (trigger IN ('schedule', 'cli', 'test', 'bench')),
  status      text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  checked     integer     NOT NULL DEFAULT 0,
  mismatches  jsonb       NOT NULL DEFAULT '{}'::jsonb,
  healed      integer     NOT NULL DEFAULT 0,
  errors      integer     NOT NULL DEFAULT 0,
  snapshot_slot bigint,
  error       text
);
CREATE INDEX reconcile_runs_started ON reconcile_runs (started_at);

-- Mints the reconciler has seen on chain (chain.ownership, full runs), so a mint whose ticket row
-- is gone is still checked (missing_in_db). token_account is where the last run found the NFT.
CREATE TABLE reconciler_mints (
  mint          text        PRIMARY KEY,
  owner         text,
  token_account text,
  slot          bigint,
  seen_at       timestamptz NOT NULL DEFAULT now()
);

-- Every correction of tickets.owner_wallet made from the chain.
CREATE TABLE reconciler_owner_audit (
  id             bigserial   PRIMARY KEY,
  discrepancy_id uuid        REFERENCES discrepancies (id) ON DELETE SET NULL,
  mint           text        NOT NULL,
  ticket_id      text        NOT NULL,
  old_owner      text,
  new_owner      text,
  slot           bigint,
  at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reconciler_owner_audit_mint ON reconciler_owner_audit (mint, at);
