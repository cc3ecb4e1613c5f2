// A full reconciliation: chain snapshot of every tracked mint, one set-based comparison with
// Postgres, findings recorded and healed per policy, and a run record with what happened.
import type pg from 'pg';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { classify } from './classify.ts';
import { compareWithDb, rememberMints, trackedMints } from './db-view.ts';
import { healAll } from './heal.ts';
import type { HealingPolicy } from './policy.ts';
import type { Publish } from './publisher.ts';
import { finishRun, startRun, type RunStatus, type RunTrigger } from './runs.ts';
import { snapshotChain, type ChainReader } from './snapshot.ts';
import { loadActive, recordPlan } from './store.ts';
import { planTransitions, toHeal } from './transitions.ts';
import type { Finding, Thresholds } from './types.ts';

export interface FullRunDeps {
  pool: pg.Pool;
  reader: ChainReader;
  publish: Publish;
  logger: Logger;
  thresholds: Thresholds;
  policy: HealingPolicy;
  chunkKeys: number;
  concurrency: number;
  timeoutMs: number;
  /** Dead-lettered operations in the last hour above which dlq_growth is reported. */
  dlqThreshold: number;
  /** Only these mints (tests, `reconcile --mints`); all tracked mints when left out. */
  scope?: readonly string[];
}

export interface RunSummary {
  runId: number;
  status: RunStatus;
  checked: number;
  skipped: number;
  mismatches: Record<string, number>;
  opened: number;
  healed: number;
  resolved: number;
  needsReview: number;
  errors: number;
  slot: number | null;
  durationMs: number;
  phases: Record<string, number>;
}

/** The marker mint of the pipeline-wide dlq_growth discrepancy (it belongs to no single NFT). */
export const DLQ_MINT = 'chain.ops.dlq';

async function dlqFinding(pool: pg.Pool, threshold: number): Promise<Finding[]> {
  const res = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM chain_operations WHERE state = 'dead_lettered' AND updated_at > now() - interval '1 hour'`);
  const n = Number(res.rows[0]?.n ?? 0);
  return n > threshold ? [{ mint: DLQ_MINT, kind: 'dlq_growth', opId: null, dbValue: `${n} dead-lettered in the last hour`, chainValue: null, slot: null }] : [];
}

export async function fullReconciliation(d: FullRunDeps, trigger: RunTrigger, opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<RunSummary> {
  const started = Date.now();
  const phases: Record<string, number> = {};
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    try {
      return await fn();
    } finally {
      phases[name] = Date.now() - t;
    }
  };
  const runId = await startRun(d.pool, trigger);
  const log = d.logger.child({ runId });
  let errors = 0;
  try {
    const tracked = await phase('load', () => trackedMints(d.pool, d.scope));
    const snap = await phase('chain', () =>
      snapshotChain(d.reader, tracked, {
        chunkKeys: d.chunkKeys,
        concurrency: d.concurrency,
        deadline: started + d.timeoutMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      }),
    );
    errors += snap.failed.length;
    for (const f of snap.failed.slice(0, 5)) log.warn({ mint: f.mint, error: f.error }, 'mint could not be read from the chain');

    const now = Date.now();
    const compared = await phase('compare', () => compareWithDb(d.pool, snap.rows, now));
    const findings: Finding[] = [];
    for (const c of compared) {
      try {
        findings.push(...classify(c.view, d.thresholds, now));
      } catch (err) {
        errors += 1;
        log.warn({ err, mint: c.view.mint }, 'classification failed');
      }
    }
    const checked = new Set(snap.rows.map((r) => r.mint));
    if (!d.scope) {
      findings.push(...(await dlqFinding(d.pool, d.dlqThreshold)));
      checked.add(DLQ_MINT);
    }
    const plan = planTransitions(await loadActive(d.pool), findings, (m) => checked.has(m), d.policy);
    const recorded = await phase('record', () => recordPlan(d.pool, plan, { source: 'full_run', runId }));
    const healed = await phase('heal', () => healAll(d.pool, toHeal(plan, recorded.createdIds)));
    errors += healed.failed.length;
    for (const f of healed.failed) log.warn({ err: f.error, mint: f.mint, discrepancyId: f.id }, 'healing failed');
    try {
      await d.publish([...recorded.events, ...healed.healed]);
    } catch (err) {
      errors += 1;
      log.error({ err }, 'publishing discrepancies failed; the table holds them');
    }
    const before = new Map(tracked.map((t) => [t.mint, t.remembered]));
    const changed = snap.rows.filter((r) => {
      const b = before.get(r.mint);
      return r.present && (!b || b.owner !== r.owner || b.tokenAccount !== r.tokenAccount);
    });
    await phase('remember', () => rememberMints(d.pool, changed));

    const mismatches: Record<string, number> = {};
    for (const f of findings) mismatches[f.kind] = (mismatches[f.kind] ?? 0) + 1;
    const status: RunStatus = snap.skipped > 0 ? 'partial' : 'succeeded';
    await finishRun(d.pool, runId, { status, checked: snap.rows.length, mismatches, healed: healed.healed.length, errors, snapshotSlot: snap.slot, error: snap.skipped > 0 ? `${opts.signal?.aborted ? 'stopped by shutdown' : `timed out after ${d.timeoutMs} ms`}; ${snap.skipped} mints not checked` : null });
    const summary: RunSummary = {
      runId,
      status,
      checked: snap.rows.length,
      skipped: snap.skipped,
      mismatches,
      opened: plan.create.length,
      healed: healed.healed.length,
      resolved: plan.resolve.length,
      needsReview: [...plan.create, ...plan.keep.map((k) => k.planned)].filter((p) => p.decision.state === 'needs_review').length,
      errors,
      slot: snap.slot,
      durationMs: Date.now() - started,
      phases,
    };
    log.info(summary, 'full reconciliation finished');
    return summary;
  } catch (err) {
    await finishRun(d.pool, runId, { status: 'failed', checked: 0, mismatches: {}, healed: 0, errors: errors + 1, snapshotSlot: null, error: errorMessage(err) }).catch(() => undefined);
    throw err;
  }
}
