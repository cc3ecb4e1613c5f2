// The gauges that come from tables: each a single cheap query (indexed or on small tables).
import type { Queryable } from '../lib/db.ts';
import { OPEN_OPERATION_STATES } from '../lib/domain/operation-status.ts';

export interface DeadLetterCounts {
  kind: string;
  total: number;
  recent: number;
}

export async function readDeadLetters(db: Queryable, windowSeconds: number): Promise<DeadLetterCounts[]> {
  const { rows } = await db.query<{ kind: string; total: string; recent: string }>(
    // Handled dead letters (handled_at set) are no longer the queue's depth, but still count
    // towards the window: they happened.
    `SELECT error_kind AS kind, count(*) FILTER (WHERE handled_at IS NULL) AS total,
            count(*) FILTER (WHERE created_at > now() - make_interval(secs => $1)) AS recent
       FROM submitter_dead_letters GROUP BY error_kind`,
    [windowSeconds],
  );
  return rows.map((r) => ({ kind: r.kind, total: Number(r.total), recent: Number(r.recent) }));
}

export interface OpenOperations {
  state: string;
  count: number;
  oldestAgeSeconds: number;
}

// Literals, not a parameter: the planner can then prove the partial index chain_operations_open
// (state NOT IN finalized, dead_lettered) covers the query, instead of reading the whole table.
const OPEN_STATES_SQL = OPEN_OPERATION_STATES.map((s) => `'${s}'`).join(', ');

/** Operations still waiting on the pipeline (OPEN_OPERATION_STATES). */
export async function readOpenOperations(db: Queryable): Promise<OpenOperations[]> {
  const { rows } = await db.query<{ state: string; count: string; oldest: number }>(
    `SELECT state, count(*) AS count, extract(epoch FROM now() - min(requested_at))::float8 AS oldest
       FROM chain_operations WHERE state IN (${OPEN_STATES_SQL}) GROUP BY state`,
  );
  return rows.map((r) => ({ state: r.state, count: Number(r.count), oldestAgeSeconds: Math.max(0, r.oldest) }));
}

export interface SlotWal {
  active: boolean;
  retainedBytes: number;
  flushLagBytes: number;
}

/** null when the slot does not exist (the connector was never registered, or was dropped). */
export async function readSlotWal(db: Queryable, slot: string): Promise<SlotWal | null> {
  const { rows } = await db.query<{ active: boolean; retained: string | null; flush_lag: string | null }>(
    `SELECT active,
            pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) AS retained,
            pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) AS flush_lag
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const r = rows[0];
  if (!r) return null;
  return { active: r.active, retainedBytes: Number(r.retained ?? 0), flushLagBytes: Number(r.flush_lag ?? 0) };
}

export interface ReconcileState {
  lastSuccessAt: Date | null;
  lastFinishedFailed: boolean;
}

export async function readReconcileState(db: Queryable): Promise<ReconcileState> {
  const { rows } = await db.query<{ last_success: Date | null; last_status: string | null }>(
    // Newest first along reconcile_runs_started: a few rows read, however long the history kept.
    `SELECT (SELECT finished_at FROM reconcile_runs WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1) AS last_success,
            (SELECT status FROM reconcile_runs WHERE finished_at IS NOT NULL ORDER BY started_at DESC LIMIT 1) AS last_status`,
  );
  return { lastSuccessAt: rows[0]?.last_success ?? null, lastFinishedFailed: rows[0]?.last_status === 'failed' };
}

/** The tables worth watching for growth: the pipeline's queues and its audit trails. */
export const WATCHED_TABLES = [
  'chain_outbox',
  'submitter_status_outbox',
  'submitter_dead_letters',
  'submitter_attempts',
  'submitter_ops',
  'chain_operations',
  'ownership_audit',
  'discrepancy_history',
  'reconciler_owner_audit',
  'reconcile_runs',
] as const;

/** Live rows per table as the statistics collector counts them: cheap, and close enough to see growth. */
export async function readTableRows(db: Queryable): Promise<{ table: string; rows: number }[]> {
  const { rows } = await db.query<{ relname: string; n: string }>('SELECT relname, n_live_tup AS n FROM pg_stat_user_tables WHERE relname = ANY($1)', [
    [...WATCHED_TABLES],
  ]);
  return rows.map((r) => ({ table: r.relname, rows: Number(r.n) }));
}
