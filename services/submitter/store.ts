// The submitter's SQL, one statement per function. State changes and the status events that
// describe them are written in one transaction (the status outbox), so a crash can neither lose
// an event nor publish one for a change that did not commit.
import { prepared, type Pool, type PoolClient, type Queryable } from '../lib/db.ts';
import type { DeadLetter, StatusEvent } from './events.ts';
import type { Operation } from './operation.ts';
import type { QueuedOp } from './schedule.ts';

export interface StoredOp extends Operation {
  seq: number;
  state: 'pending' | 'submitted' | 'confirmed' | 'finalized' | 'failed';
  attempts: number;
  /** Attempts signed by earlier generations: this generation's budget starts after them. */
  attemptBase: number;
}

export interface StoredAttempt {
  attempt: number;
  signature: string;
  txBytes: Uint8Array;
  blockhash: string;
  lastValidBlockHeight: number;
  /** Micro-lamports per compute unit the attempt offered; null when signed before fees were set. */
  unitPrice: number | null;
  unitLimit: number | null;
  /** Lamports the attempt pays if it lands. */
  feeLamports: bigint | null;
}

const opOf = (r: Record<string, unknown>): StoredOp => ({
  opId: r.op_id as string,
  idempotencyKey: r.idempotency_key as string,
  type: r.type as StoredOp['type'],
  mint: r.mint as string,
  from: (r.from_wallet as string | null) ?? null,
  to: (r.to_wallet as string | null) ?? null,
  ticketId: r.ticket_id as string,
  requestedAt: (r.requested_at as Date).getTime(),
  seq: Number(r.seq),
  state: r.state as StoredOp['state'],
  attempts: r.attempts as number,
  generation: Number(r.generation ?? 1),
  attemptBase: Number(r.attempt_base ?? 0),
});

export async function existingTickets(db: Queryable, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>('SELECT id FROM tickets WHERE id = ANY($1::text[])', [ids]);
  return new Set(rows.map((r) => r.id));
}

/** Intake: new ops in the given order; an op id already taken in is skipped (Debezium redelivers). */
export async function insertOps(db: Queryable, ops: Operation[]): Promise<string[]> {
  if (ops.length === 0) return [];
  const { rows } = await db.query<{ op_id: string }>(
    `INSERT INTO submitter_ops (op_id, idempotency_key, type, mint, ticket_id, from_wallet, to_wallet, requested_at)
     SELECT x.op_id, x.idempotency_key, x.type, x.mint, x.ticket_id, x.from_wallet, x.to_wallet, to_timestamp(x.requested_at / 1000.0)
       FROM jsonb_to_recordset($1::jsonb) AS x(op_id uuid, idempotency_key text, type text, mint text, ticket_id text,
            from_wallet text, to_wallet text, requested_at double precision, ord bigint)
      ORDER BY ord
     ON CONFLICT (op_id) DO NOTHING
     RETURNING op_id`,
    [
      JSON.stringify(
        ops.map((o, ord) => ({
          ord,
          op_id: o.opId,
          idempotency_key: o.idempotencyKey,
          type: o.type,
          mint: o.mint,
          ticket_id: o.ticketId,
          from_wallet: o.from,
          to_wallet: o.to,
          requested_at: o.requestedAt,
        })),
      ),
    ],
  );
  return rows.map((r) => r.op_id);
}

/** Records a dead letter once per dedupe key; returns false when it was already recorded. */
export async function insertDeadLetter(db: Queryable, dedupeKey: string, dl: DeadLetter): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO submitter_dead_letters (dedupe_key, op_id, mint, error_kind, reason, payload) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [dedupeKey, dl.opId, dl.mint, dl.errorKind, dl.reason, JSON.stringify(dl)],
  );
  return rowCount === 1;
}

/** Writes a status event; the same (op, state, attempt) twice is one event. */
export async function insertStatus(db: Queryable, e: StatusEvent): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO submitter_status_outbox (op_id, mint, state, attempt, payload) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (op_id, state, attempt) DO NOTHING`,
    [e.opId, e.mint, e.state, e.attempt, JSON.stringify(e)],
  );
  return rowCount === 1;
}

/**
 * The oldest active op of every mint that neither this process runs nor another instance leases.
 * A mint whose oldest active op is parked has none: its later ops wait behind it.
 */
export async function runnableHeads(db: Queryable, holder: string, running: string[], limit: number): Promise<QueuedOp[]> {
  const { rows } = await db.query<{ op_id: string; mint: string; seq: string }>(
    `SELECT h.op_id, h.mint, h.seq FROM (
       SELECT DISTINCT ON (mint) op_id, mint, seq, parked_at FROM submitter_ops WHERE state IN ('pending', 'submitted') ORDER BY mint, seq
     ) h
     WHERE h.parked_at IS NULL AND h.mint <> ALL($2::text[])
       -- NOT IN over a subquery is one hashed pass over the leases; the NOT EXISTS it replaces
       -- was planned as a scan of the (small, but between vacuums bloated) lease table per head:
       -- 10 ms a call with a few hundred mints in flight. mint is the key, never NULL.
       AND h.mint NOT IN (SELECT l.mint FROM submitter_leases l WHERE l.holder <> $1 AND l.expires_at > now())
     ORDER BY h.seq LIMIT $3`,
    [holder, running, limit],
  );
  return rows.map((r) => ({ opId: r.op_id, mint: r.mint, seq: Number(r.seq), active: true }));
}

/** Takes the leases of `mints` that are free or expired; returns those now held by `holder`. */
export async function claimLeases(db: Queryable, holder: string, mints: string[], ttlMs: number): Promise<string[]> {
  if (mints.length === 0) return [];
  const { rows } = await db.query<{ mint: string }>(
    `INSERT INTO submitter_leases (mint, holder, expires_at)
     SELECT m, $1, now() + $3 * interval '1 millisecond' FROM unnest($2::text[]) AS m
     ON CONFLICT (mint) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE submitter_leases.expires_at <= now() OR submitter_leases.holder = EXCLUDED.holder
     RETURNING mint`,
    [holder, mints, ttlMs],
  );
  return rows.map((r) => r.mint);
}

export async function renewLeases(db: Queryable, holder: string, mints: string[], ttlMs: number): Promise<Set<string>> {
  if (mints.length === 0) return new Set();
  const { rows } = await db.query<{ mint: string }>(
    `UPDATE submitter_leases SET expires_at = now() + $3 * interval '1 millisecond' WHERE holder = $1 AND mint = ANY($2::text[]) RETURNING mint`,
    [holder, mints, ttlMs],
  );
  return new Set(rows.map((r) => r.mint));
}

export async function releaseLeases(db: Queryable, holder: string, mints: string[]): Promise<void> {
  if (mints.length) await db.query('DELETE FROM submitter_leases WHERE holder = $1 AND mint = ANY($2::text[])', [holder, mints]);
}

/** What opOf reads. */
const OP_COLUMNS = 'op_id, idempotency_key, type, mint, ticket_id, from_wallet, to_wallet, requested_at, seq, state, attempts, generation, attempt_base';

const HEAD_OPS = prepared(
  'submitter_head_ops',
  `SELECT ${OP_COLUMNS} FROM (
     SELECT DISTINCT ON (mint) ${OP_COLUMNS}, parked_at FROM submitter_ops WHERE mint = ANY($1::text[]) AND state IN ('pending', 'submitted') ORDER BY mint, seq
   ) h WHERE parked_at IS NULL`,
);

/** The oldest active op of each of `mints` (one round trip for a scheduler fill's claimed mints); a mint with none, or whose oldest is parked, is absent. */
export async function headOps(db: Queryable, mints: string[]): Promise<Map<string, StoredOp>> {
  if (mints.length === 0) return new Map();
  const { rows } = await db.query(HEAD_OPS([mints]));
  return new Map(rows.map((r) => [r.mint as string, opOf(r as Record<string, unknown>)]));
}

const NEXT_OP_OR_RELEASE = prepared(
  'submitter_next_op_or_release',
  `WITH head AS (SELECT ${OP_COLUMNS}, parked_at FROM submitter_ops WHERE mint = $2 AND state IN ('pending', 'submitted') ORDER BY seq LIMIT 1),
        next AS (SELECT ${OP_COLUMNS} FROM head WHERE parked_at IS NULL),
        released AS (DELETE FROM submitter_leases WHERE holder = $1 AND mint = $2 AND NOT EXISTS (SELECT 1 FROM next))
   SELECT ${OP_COLUMNS} FROM next`,
);

/**
 * After an op of `mint` finished (or was parked): its next active op, or, when there is none or
 * the oldest is parked, the lease released in the same round trip. An op taken in just after
 * this runs is found by the next scheduler fill, as after any release.
 */
export async function nextOpOrRelease(db: Queryable, holder: string, mint: string): Promise<StoredOp | undefined> {
  const { rows } = await db.query(NEXT_OP_OR_RELEASE([holder, mint]));
  return rows[0] ? opOf(rows[0] as Record<string, unknown>) : undefined;
}

export async function attemptsOf(db: Queryable, opId: string): Promise<StoredAttempt[]> {
  const { rows } = await db.query<{
    attempt: number;
    signature: string;
    tx_bytes: Buffer;
    blockhash: string;
    last_valid_block_height: string;
    cu_limit: number | null;
    cu_price: string | null;
    fee_lamports: string | null;
  }>(
    'SELECT attempt, signature, tx_bytes, blockhash, last_valid_block_height, cu_limit, cu_price, fee_lamports FROM submitter_attempts WHERE op_id = $1 ORDER BY attempt',
    [opId],
  );
  return rows.map((r) => ({
    attempt: r.attempt,
    signature: r.signature,
    txBytes: new Uint8Array(r.tx_bytes),
    blockhash: r.blockhash,
    lastValidBlockHeight: Number(r.last_valid_block_height),
    unitLimit: r.cu_limit,
    unitPrice: r.cu_price === null ? null : Number(r.cu_price),
    feeLamports: r.fee_lamports === null ? null : BigInt(r.fee_lamports),
  }));
}

/**
 * Inserts the status event in the same statement as the state change it describes (`withEvent`):
 * one round trip, and a single statement is atomic without BEGIN/COMMIT. Parameters $1 (op id)
 * and the last four (mint, state, attempt, payload) belong to the event; the same (op, state,
 * attempt) twice is one event.
 */
function withEvent(changes: string[], first: number): string {
  const event = `INSERT INTO submitter_status_outbox (op_id, mint, state, attempt, payload) VALUES ($1, $${first}, $${first + 1}, $${first + 2}, $${first + 3})
       ON CONFLICT (op_id, state, attempt) DO NOTHING`;
  return `WITH ${[...changes, event].map((c, i) => `w${i} AS (${c})`).join(',\n     ')}\n     SELECT 1`;
}
const eventParams = (e: StatusEvent) => [e.mint, e.state, e.attempt, JSON.stringify(e)];

const RECORD_ATTEMPT = prepared(
  'submitter_record_attempt',
  withEvent(
    [
      `INSERT INTO submitter_attempts (op_id, attempt, signature, tx_bytes, blockhash, last_valid_block_height, cu_limit, cu_price, fee_lamports)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      `UPDATE submitter_ops SET state = 'submitted', attempts = $2, last_signature = $3, updated_at = now() WHERE op_id = $1`,
    ],
    10,
  ),
);

/** Persists a signed attempt BEFORE it is broadcast, with its `submitted` event (one statement). */
export async function recordAttempt(db: Queryable, opId: string, a: StoredAttempt, submitted: StatusEvent): Promise<void> {
  await db.query(
    RECORD_ATTEMPT([
      opId,
      a.attempt,
      a.signature,
      Buffer.from(a.txBytes),
      a.blockhash,
      a.lastValidBlockHeight,
      a.unitLimit,
      a.unitPrice === null ? null : String(a.unitPrice),
      a.feeLamports === null ? null : String(a.feeLamports),
      ...eventParams(submitted),
    ]),
  );
}

const MARK_SENT = prepared('submitter_mark_sent', 'UPDATE submitter_attempts SET sent_at = now() WHERE signature = $1 AND sent_at IS NULL');

export async function markSent(db: Queryable, signature: string): Promise<void> {
  await db.query(MARK_SENT([signature]));
}

const MARK_EXPIRED = prepared(
  'submitter_mark_expired',
  withEvent(
    [
      `UPDATE submitter_attempts SET outcome = 'expired' WHERE op_id = $1 AND attempt = $2`,
      `UPDATE submitter_ops SET last_error = $3, updated_at = now() WHERE op_id = $1`,
    ],
    4,
  ),
);

export async function markExpired(db: Queryable, opId: string, attempt: number, e: StatusEvent): Promise<void> {
  await db.query(MARK_EXPIRED([opId, attempt, e.error, ...eventParams(e)]));
}

const MARK_CONFIRMED = prepared(
  'submitter_mark_confirmed',
  withEvent(
    [
      `UPDATE submitter_attempts SET outcome = 'confirmed' WHERE $2::text IS NOT NULL AND signature = $2`,
      `UPDATE submitter_ops SET state = 'confirmed', last_signature = COALESCE($2, last_signature), last_slot = $3, confirmed_at = now(), updated_at = now() WHERE op_id = $1`,
    ],
    4,
  ),
);

export async function markConfirmed(db: Queryable, opId: string, e: StatusEvent): Promise<void> {
  await db.query(MARK_CONFIRMED([opId, e.signature, e.slot, ...eventParams(e)]));
}

/** A permanent or exhausted failure: the op's state, its `failed` event and its dead letter, together. */
export async function markFailed(client: PoolClient, opId: string, e: StatusEvent, dl: DeadLetter): Promise<void> {
  if (e.signature) await client.query(`UPDATE submitter_attempts SET outcome = 'failed' WHERE signature = $1`, [e.signature]);
  await client.query(`UPDATE submitter_ops SET state = 'failed', last_error = $2, last_slot = COALESCE($3, last_slot), updated_at = now() WHERE op_id = $1`, [
    opId,
    e.error,
    e.slot,
  ]);
  await insertStatus(client, e);
  await insertDeadLetter(client, `op:${opId}`, dl);
}

/**
 * Parks an op for review (step-failure.ts): no instance runs it, or its mint's later ops, until
 * parked_at is cleared. Its state and attempts stay as they are; nothing is published.
 */
export async function parkOp(db: Queryable, opId: string, reason: string): Promise<void> {
  await db.query('UPDATE submitter_ops SET parked_at = now(), parked_reason = $2, last_error = $2, updated_at = now() WHERE op_id = $1', [opId, reason]);
}

/** Ops parked for review and not yet released by a human (an index covers exactly these). */
export async function parkedCount(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM submitter_ops WHERE parked_at IS NOT NULL AND state IN ('pending', 'submitted')`,
  );
  return rows[0]?.n ?? 0;
}

export interface ConfirmedKey {
  confirmedAt: string;
  opId: string;
}

/**
 * A page of confirmed ops in (confirmed_at, op_id) order, after `after` (from the start when
 * null). Ops confirmed in one statement share their confirmed_at, hence the op id; the key is
 * kept as Postgres's text so no microsecond is lost in a JS Date.
 */
export async function confirmedOps(
  db: Queryable,
  limit: number,
  after: ConfirmedKey | null = null,
): Promise<Array<StoredOp & { signature: string | null; slot: number | null; key: ConfirmedKey }>> {
  const { rows } = await db.query(
    `SELECT *, confirmed_at::text AS confirmed_key FROM submitter_ops
      WHERE state = 'confirmed' AND ($2::timestamptz IS NULL OR (confirmed_at, op_id) > ($2::timestamptz, $3::uuid))
      ORDER BY confirmed_at, op_id LIMIT $1`,
    [limit, after?.confirmedAt ?? null, after?.opId ?? null],
  );
  return rows.map((r: Record<string, unknown>) => ({
    ...opOf(r),
    signature: (r.last_signature as string | null) ?? null,
    slot: r.last_slot === null ? null : Number(r.last_slot),
    key: { confirmedAt: r.confirmed_key as string, opId: r.op_id as string },
  }));
}

/**
 * Marks confirmed ops finalized with their `finalized` events, all in one statement. An op no
 * longer in `confirmed` is left alone and gets no event. Returns how many were finalized.
 */
export async function markFinalized(db: Queryable, events: StatusEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const { rows } = await db.query<{ n: string }>(
    `WITH e AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(op_id uuid, mint text, attempt int, payload jsonb)),
          f AS (UPDATE submitter_ops o SET state = 'finalized', updated_at = now() FROM e WHERE o.op_id = e.op_id AND o.state = 'confirmed' RETURNING o.op_id),
          ins AS (INSERT INTO submitter_status_outbox (op_id, mint, state, attempt, payload)
                  SELECT e.op_id, e.mint, 'finalized', e.attempt, e.payload FROM e JOIN f ON f.op_id = e.op_id
                  ON CONFLICT (op_id, state, attempt) DO NOTHING)
     SELECT count(*) AS n FROM f`,
    [JSON.stringify(events.map((e) => ({ op_id: e.opId, mint: e.mint, attempt: e.attempt, payload: e })))],
  );
  return Number(rows[0]?.n ?? 0);
}

export async function custodialIndex(db: Queryable, address: string): Promise<number | undefined> {
  const { rows } = await db.query<{ derivation_index: number }>('SELECT derivation_index FROM custodial_wallets WHERE address = $1', [address]);
  return rows[0]?.derivation_index;
}

export interface OutboxRow {
  id: string;
  key: string;
  payload: Record<string, unknown>;
}

/** Locks a batch of unpublished rows for this transaction (another publisher skips them). */
export async function lockUnpublished(client: PoolClient, table: 'submitter_status_outbox' | 'submitter_dead_letters', limit: number): Promise<OutboxRow[]> {
  const key = table === 'submitter_status_outbox' ? 'mint' : `COALESCE(mint, '')`;
  const { rows } = await client.query<{ id: string; key: string; payload: Record<string, unknown> }>(
    `SELECT id, ${key} AS key, payload FROM ${table} WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows;
}

export async function markPublished(client: PoolClient, table: 'submitter_status_outbox' | 'submitter_dead_letters', ids: string[]): Promise<void> {
  await client.query(`UPDATE ${table} SET published_at = now() WHERE id = ANY($1::bigint[])`, [ids]);
}

export type { Pool };

/** What the intake needs to judge a re-request: the op's state, generation and how it failed. */
export interface GenerationRow {
  opId: string;
  state: StoredOp['state'];
  generation: number;
  attempts: number;
  lastError: string | null;
  failureKind: DeadLetter['errorKind'] | null;
}

/** Locks the rows of ops re-requested in a newer generation than the one stored. */
export async function lockForRerequest(client: PoolClient, ops: ReadonlyArray<Pick<Operation, 'opId' | 'generation'>>): Promise<Map<string, GenerationRow>> {
  // Generations start at 1 (a CHECK on the column), so only a re-request can be newer than a row.
  if (!ops.some((o) => o.generation > 1)) return new Map();
  const { rows } = await client.query<{
    op_id: string;
    state: StoredOp['state'];
    generation: number;
    attempts: number;
    last_error: string | null;
    error_kind: DeadLetter['errorKind'] | null;
  }>(
    `SELECT o.op_id, o.state, o.generation, o.attempts, o.last_error, d.error_kind
       FROM submitter_ops o
       JOIN jsonb_to_recordset($1::jsonb) AS x(op_id uuid, generation int) ON x.op_id = o.op_id AND x.generation > o.generation
       LEFT JOIN submitter_dead_letters d ON d.dedupe_key = 'op:' || o.op_id
        FOR UPDATE OF o`,
    [JSON.stringify(ops.map((o) => ({ op_id: o.opId, generation: o.generation })))],
  );
  return new Map(
    rows.map((r) => [
      r.op_id,
      { opId: r.op_id, state: r.state, generation: r.generation, attempts: r.attempts, lastError: r.last_error, failureKind: r.error_kind },
    ]),
  );
}

/**
 * Re-opens a failed op for `generation`: pending again, with the attempts so far as the new
 * generation's base (their rows stay in submitter_attempts). The earlier generation's dead letter
 * is renamed so this generation's failure, if any, gets its own.
 */
export async function reopenOp(client: PoolClient, row: GenerationRow, generation: number): Promise<void> {
  await client.query(
    `UPDATE submitter_ops SET state = 'pending', generation = $2, attempt_base = attempts, last_error = NULL, updated_at = now() WHERE op_id = $1`,
    [row.opId, generation],
  );
  await client.query(`INSERT INTO submitter_op_generations (op_id, generation, previous_error, attempts_before) VALUES ($1, $2, $3, $4)`, [
    row.opId,
    generation,
    row.lastError,
    row.attempts,
  ]);
  await client.query(`UPDATE submitter_dead_letters SET dedupe_key = dedupe_key || ':g' || $2 WHERE dedupe_key = 'op:' || $1`, [row.opId, row.generation]);
}

/** Records that a newer generation was asked for without re-running anything (see intake). */
export async function raiseGeneration(db: Queryable, opId: string, generation: number): Promise<void> {
  await db.query('UPDATE submitter_ops SET generation = $2, updated_at = now() WHERE op_id = $1 AND generation < $2', [opId, generation]);
}
