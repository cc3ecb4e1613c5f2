-- Re-requesting a failed operation (the reconciler's healing, or a human through the API) under the
-- same op id and idempotency key. Each request of an operation is a generation: the first is 1,
-- each re-request one more. Events and rows of an older generation never move a newer one.

-- generation: the one the platform currently asks for (set by the API; the projector only follows
-- it). last_error_kind: how the last failure failed (chain.ops.status errorKind), so a reader of
-- this table alone can tell a failure that is safe to request again (exhausted) from one that is not.
ALTER TABLE chain_operations
  ADD COLUMN generation      integer NOT NULL DEFAULT 1 CHECK (generation >= 1),
  ADD COLUMN last_error_kind text CHECK (last_error_kind IN ('invalid_input', 'permanent', 'exhausted'));

-- Every re-request: what the operation looked like when it was asked for again, and why.
CREATE TABLE chain_operation_retries (
  op_id             uuid        NOT NULL REFERENCES chain_operations (op_id),
  generation        integer     NOT NULL CHECK (generation >= 2),
  previous_state    text        NOT NULL,
  previous_error    text,
  previous_attempts integer     NOT NULL,
  reason            text        NOT NULL,
  requested_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (op_id, generation)
);

-- The submitter's side. attempt_base: signed attempts made by earlier generations; attempt numbers
-- keep counting across generations (so every signature and status event stays distinct and the
-- history stays in submitter_attempts), and each generation gets its own attempt budget.
ALTER TABLE submitter_ops
  ADD COLUMN generation   integer NOT NULL DEFAULT 1 CHECK (generation >= 1),
  ADD COLUMN attempt_base integer NOT NULL DEFAULT 0 CHECK (attempt_base >= 0);

-- Every re-opening of a failed operation by the submitter's intake.
CREATE TABLE submitter_op_generations (
  op_id           uuid        NOT NULL REFERENCES submitter_ops (op_id),
  generation      integer     NOT NULL CHECK (generation >= 2),
  previous_error  text,
  attempts_before integer     NOT NULL,
  reopened_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (op_id, generation)
);
