// Tables that stop growing. On a timer, every submitter instance prunes (deletes are idempotent,
// so several instances pruning at once only share the work):
// - chain_outbox rows the outbox connector has confirmed. A row seen at WAL position L (read in
//   the same statement as the row, so its commit lies before L) is captured once the replication
//   slot's confirmed_flush_lsn passes L: the ids seen on one tick are deleted on a later one.
// - submitter_status_outbox rows published longer ago than their retention;
// - submitter_dead_letters handled longer ago than theirs (unhandled ones are kept: the DLQ);
// - submitter_attempts of operations that ended (finalized, failed), older than theirs.
// Each delete runs in batches, so no statement holds many row locks or a long transaction.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from '../lib/db.ts';
import type { Logger } from '../lib/logger.ts';

export interface RetentionPolicy {
  replicationSlot: string;
  statusOutboxKeepS: number;
  deadLetterKeepS: number;
  attemptKeepS: number;
  batchSize?: number;
}

export type PrunedTable = 'chain_outbox' | 'submitter_status_outbox' | 'submitter_dead_letters' | 'submitter_attempts';

/** The outbox rows seen on the last tick, and the WAL position they were seen at. */
export interface OutboxSighting {
  /** A pg_lsn as Postgres writes it ("16/B374D848"); compared by Postgres, not here. */
  lsn: string;
  ids: string[];
}

/** Deletes with `sql` (a statement over `LIMIT $1` rows) until a batch comes back short. */
async function inBatches(pool: Pool, sql: string, params: unknown[], batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = (await pool.query(sql, [batch, ...params])).rowCount ?? 0;
    total += n;
    if (n < batch) return total;
  }
}

export async function sightOutbox(pool: Pool, limit: number): Promise<OutboxSighting> {
  const { rows } = await pool.query<{ lsn: string; ids: string[] | null }>(
    // The LSN is read after the statement's snapshot was taken: every row it sees committed before it.
    'SELECT pg_current_wal_insert_lsn()::text AS lsn, (SELECT array_agg(id::text) FROM (SELECT id FROM chain_outbox LIMIT $1) s) AS ids',
    [limit],
  );
  return { lsn: rows[0]!.lsn, ids: rows[0]!.ids ?? [] };
}

/** Deletes the sighted rows once the slot confirmed past them; false when it has not yet. */
export async function purgeCaptured(pool: Pool, slot: string, sighting: OutboxSighting): Promise<number | false> {
  if (sighting.ids.length === 0) return 0;
  // No row: the slot does not exist, so nothing is captured.
  const { rows } = await pool.query<{ passed: boolean | null }>(
    'SELECT confirmed_flush_lsn >= $2::pg_lsn AS passed FROM pg_replication_slots WHERE slot_name = $1',
    [slot, sighting.lsn],
  );
  if (!rows[0]?.passed) return false;
  return (await pool.query('DELETE FROM chain_outbox WHERE id = ANY($1::uuid[])', [sighting.ids])).rowCount ?? 0;
}

export class Retention {
  private sighting: OutboxSighting | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly policy: RetentionPolicy,
  ) {}

  /** One pass over every table; the rows deleted from each. */
  async pruneOnce(): Promise<Record<PrunedTable, number>> {
    const batch = this.policy.batchSize ?? 5_000;
    let outbox = 0;
    if (this.sighting) {
      const purged = await purgeCaptured(this.pool, this.policy.replicationSlot, this.sighting);
      // Not captured yet: keep the older sighting, so a busy outbox cannot keep moving it on.
      if (purged !== false) {
        outbox = purged;
        this.sighting = null;
      }
    }
    this.sighting ??= await sightOutbox(this.pool, batch * 10);
    const pruned = { chain_outbox: outbox } as Record<PrunedTable, number>;
    for (const [table, sql, keepS] of this.byAge()) pruned[table] = await inBatches(this.pool, sql, [keepS], batch);
    return pruned;
  }

  /** The tables pruned by age: each a delete over `LIMIT $1` rows older than `$2` seconds. */
  private byAge(): [PrunedTable, string, number][] {
    const p = this.policy;
    return [
      [
        'submitter_status_outbox',
        `DELETE FROM submitter_status_outbox WHERE id IN (
           SELECT id FROM submitter_status_outbox WHERE published_at < now() - make_interval(secs => $2) LIMIT $1)`,
        p.statusOutboxKeepS,
      ],
      [
        'submitter_dead_letters',
        `DELETE FROM submitter_dead_letters WHERE id IN (
           SELECT id FROM submitter_dead_letters WHERE handled_at < now() - make_interval(secs => $2) LIMIT $1)`,
        p.deadLetterKeepS,
      ],
      [
        'submitter_attempts',
        `DELETE FROM submitter_attempts WHERE (op_id, attempt) IN (
           SELECT a.op_id, a.attempt FROM submitter_attempts a JOIN submitter_ops o USING (op_id)
            WHERE a.created_at < now() - make_interval(secs => $2) AND o.state IN ('finalized', 'failed') LIMIT $1)`,
        p.attemptKeepS,
      ],
    ];
  }
}

export async function runRetention(
  retention: Retention,
  everyMs: number,
  signal: AbortSignal,
  logger: Logger,
  onPruned: (table: PrunedTable, rows: number) => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const pruned = await retention.pruneOnce();
      for (const [table, rows] of Object.entries(pruned) as [PrunedTable, number][]) if (rows > 0) onPruned(table, rows);
    } catch (err) {
      logger.warn({ err }, 'pruning failed; retrying at the next interval');
    }
    await sleep(everyMs, undefined, { signal }).catch(() => undefined);
  }
}
