-- The read side: the projector materialises chain.ownership into Postgres (issue 5) and keeps
-- its consumer offsets here, in the same transaction as the rows they cover (invariant 6).

-- Per mint, the owner at the highest slot seen (invariant 5). updated_at is the observation
-- time of the winning record, not the wall clock, so a rebuild from offset zero gives
-- byte-identical rows (invariant 9).
CREATE TABLE ownership (
  mint          text        PRIMARY KEY,
  owner         text,
  token_account text,
  amount        bigint      NOT NULL,
  slot          bigint      NOT NULL CHECK (slot >= 0),
  commitment    text        NOT NULL CHECK (commitment IN ('confirmed', 'finalized')),
  updated_at    timestamptz NOT NULL
);
CREATE INDEX ownership_owner ON ownership (owner);

-- Every owner change, in the order the projector applied it. Not rebuilt by `rebuild`: it is a
-- history of what the database claimed, and when.
CREATE TABLE ownership_audit (
  id          bigserial   PRIMARY KEY,
  mint        text        NOT NULL,
  old_owner   text,
  new_owner   text,
  slot        bigint      NOT NULL,
  observed_at timestamptz NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ownership_audit_mint ON ownership_audit (mint, id);

-- The next offset to apply per consumer group and partition: the truth the projector seeks to
-- on assignment. Kafka's committed offsets only feed lag monitoring.
CREATE TABLE projector_offsets (
  group_id    text        NOT NULL,
  topic       text        NOT NULL,
  partition   integer     NOT NULL CHECK (partition >= 0),
  next_offset bigint      NOT NULL CHECK (next_offset >= 0),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, topic, partition)
);
