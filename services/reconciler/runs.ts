// The record of each full reconciliation, and the retention job that keeps at least 90 days of them.
import type { Queryable } from '../lib/db.ts';

export type RunTrigger = 'schedule' | 'cli' | 'test' | 'bench';
export type RunStatus = 'succeeded' | 'partial' | 'failed';

export interface RunOutcome {
  status: RunStatus;
  checked: number;
  mismatches: Record<string, number>;
  healed: number;
  errors: number;
  snapshotSlot: number | null;
  error: string | null;
}

export async function startRun(client: Queryable, trigger: RunTrigger): Promise<number> {
  const res = await client.query<{ id: string }>(`INSERT INTO reconcile_runs (trigger) VALUES ($1) RETURNING id`, [trigger]);
  return Number(res.rows[0]!.id);
}

export async function finishRun(client: Queryable, id: number, o: RunOutcome): Promise<void> {
  await client.query(
    `UPDATE reconcile_runs SET status = $2, finished_at = now(), checked = $3, mismatches = $4, healed = $5, errors = $6, snapshot_slot = $7, error = $8 WHERE id = $1`,
    [id, o.status, o.checked, JSON.stringify(o.mismatches), o.healed, o.errors, o.snapshotSlot, o.error],
  );
}

/** The minimum is a contract (runs are kept at least 90 days), so a smaller setting is refused. */
export const MIN_RETENTION_DAYS = 90;

export async function deleteOldRuns(client: Queryable, retentionDays: number): Promise<number> {
  if (retentionDays < MIN_RETENTION_DAYS) throw new RangeError(`run retention must be at least ${MIN_RETENTION_DAYS} days`);
  const res = await client.query(`DELETE FROM reconcile_runs WHERE started_at < now() - make_interval(days => $1)`, [retentionDays]);
  return res.rowCount ?? 0;
}

export async function lastRuns(client: Queryable, n: number): Promise<Array<Record<string, unknown>>> {
  const res = await client.query(
    `SELECT id, trigger, status, started_at, finished_at, checked, mismatches, healed, errors FROM reconcile_runs ORDER BY id DESC LIMIT $1`,
    [n],
  );
  return res.rows;
}
