// Persistence of discrepancies: a plan applied in one transaction under an advisory lock (the
// service and `npm run reconcile` may run passes at the same time), with a history row per change.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { withTransaction, type Queryable } from '../lib/db.ts';
import type { ActiveDiscrepancy, Plan, Planned } from './transitions.ts';
import type { DiscrepancyKind, DiscrepancyState, Severity } from './types.ts';

/** The sync.discrepancies record (schemas/discrepancy.avsc). */
export interface DiscrepancyEvent {
  id: string;
  mint: string;
  kind: DiscrepancyKind;
  state: DiscrepancyState;
  severity: Severity;
  dbValue: string | null;
  chainValue: string | null;
  slot: number | null;
  detectedAt: number;
  resolution: string | null;
}

// Any fixed key; it only has to be the same in every process that records discrepancies.
const RECORD_LOCK = 7_215_006_001;

export async function loadActive(client: Queryable, mints?: readonly string[]): Promise<ActiveDiscrepancy[]> {
  const res = mints
    ? await client.query<ActiveDiscrepancy>(`SELECT id, mint, kind, state FROM discrepancies WHERE state IN ('open', 'needs_review') AND mint = ANY($1)`, [
        mints,
      ])
    : await client.query<ActiveDiscrepancy>(`SELECT id, mint, kind, state FROM discrepancies WHERE state IN ('open', 'needs_review')`);
  return res.rows;
}

const RETURNING = `RETURNING id, mint, kind, state, severity, db_value AS "dbValue", chain_value AS "chainValue", slot,
  (extract(epoch FROM detected_at) * 1000)::bigint AS "detectedAt", resolution`;

type EventRow = Omit<DiscrepancyEvent, 'slot' | 'detectedAt'> & { slot: string | null; detectedAt: string };
const toEvent = (r: EventRow): DiscrepancyEvent => ({ ...r, slot: r.slot === null ? null : Number(r.slot), detectedAt: Number(r.detectedAt) });

async function history(client: Queryable, id: string, state: DiscrepancyState, note: string | null): Promise<void> {
  await client.query('INSERT INTO discrepancy_history (discrepancy_id, state, note) VALUES ($1, $2, $3)', [id, state, note]);
}

export interface Recorded {
  events: DiscrepancyEvent[];
  createdIds: Map<Planned, string>;
}

/**
 * Applies a plan. The active set is re-read under the lock, so a plan computed from a stale read
 * cannot create a second active discrepancy for the same mint and kind (the unique index would refuse it).
 */
export async function recordPlan(pool: pg.Pool, plan: Plan, meta: { source: 'stream' | 'full_run'; runId: number | null }): Promise<Recorded> {
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [RECORD_LOCK]);
    const events: DiscrepancyEvent[] = [];
    const createdIds = new Map<Planned, string>();
    for (const p of plan.create) {
      const f = p.finding;
      const res = await client.query<EventRow>(
        `INSERT INTO discrepancies (id, mint, kind, state, severity, op_id, db_value, chain_value, slot, source, run_id, resolution)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (mint, kind) WHERE state IN ('open', 'needs_review') DO NOTHING ${RETURNING}`,
        [
          randomUUID(),
          f.mint,
          f.kind,
          p.decision.state,
          p.decision.severity,
          f.opId,
          f.dbValue,
          f.chainValue,
          f.slot,
          meta.source,
          meta.runId,
          p.decision.state === 'needs_review' ? p.decision.reason : null,
        ],
      );
      const row = res.rows[0];
      if (!row) continue; // another pass recorded it a moment ago
      await history(client, row.id, row.state, p.decision.reason);
      createdIds.set(p, row.id);
      events.push(toEvent(row));
    }
    for (const k of plan.keep) {
      const f = k.planned.finding;
      const res = await client.query<EventRow>(
        `UPDATE discrepancies SET last_seen_at = now(), db_value = $2, chain_value = $3, slot = $4, op_id = coalesce($5, op_id),
                state = CASE WHEN $6 THEN 'needs_review' ELSE state END, resolution = CASE WHEN $6 THEN $7 ELSE resolution END
          WHERE id = $1 AND state IN ('open', 'needs_review') ${RETURNING}`,
        [k.active.id, f.dbValue, f.chainValue, f.slot, f.opId, k.escalate, k.planned.decision.reason],
      );
      if (k.escalate && res.rows[0]) {
        await history(client, k.active.id, 'needs_review', k.planned.decision.reason);
        events.push(toEvent(res.rows[0]));
      }
    }
    for (const a of plan.resolve) {
      const row = await close(client, a.id, 'resolved', 'no longer found: the pipeline caught up');
      if (row) events.push(row);
    }
    return { events, createdIds };
  });
}

/** Hands an open discrepancy to a human (a heal that turned out not to be possible); undefined if it was not open. */
export async function toReview(client: Queryable, id: string, note: string): Promise<DiscrepancyEvent | undefined> {
  const res = await client.query<EventRow>(
    `UPDATE discrepancies SET state = 'needs_review', resolution = $2, last_seen_at = now() WHERE id = $1 AND state = 'open' ${RETURNING}`,
    [id, note],
  );
  const row = res.rows[0];
  if (!row) return undefined;
  await history(client, id, 'needs_review', note);
  return toEvent(row);
}

/** Closes an active discrepancy as healed or resolved; undefined if it was no longer active. */
export async function close(client: Queryable, id: string, state: 'healed' | 'resolved', resolution: string): Promise<DiscrepancyEvent | undefined> {
  const res = await client.query<EventRow>(
    `UPDATE discrepancies SET state = $2, resolution = $3, closed_at = now(), last_seen_at = now()
      WHERE id = $1 AND state IN ('open', 'needs_review') ${RETURNING}`,
    [id, state, resolution],
  );
  const row = res.rows[0];
  if (!row) return undefined;
  await history(client, id, state, resolution);
  return toEvent(row);
}

export async function openCounts(client: Queryable): Promise<Record<string, Record<string, number>>> {
  const res = await client.query<{ kind: string; state: string; n: string }>(
    `SELECT kind, state, count(*) AS n FROM discrepancies WHERE state IN ('open', 'needs_review') GROUP BY kind, state`,
  );
  const out: Record<string, Record<string, number>> = {};
  for (const r of res.rows) (out[r.state] ??= {})[r.kind] = Number(r.n);
  return out;
}
