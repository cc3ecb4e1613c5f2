// A full reconciliation: chain snapshot of every tracked mint, one set-based comparison with
// Postgres, findings recorded and healed per policy, and a run record with what happened.
import type pg from 'pg';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { classify } from './classify.ts';
import { compareAndRemember, trackedMints } from './db-view.ts';
import { healAll } from './heal.ts';
import type { HealingPolicy } from './policy.ts';
import type { Publish } from './publisher.ts';
import { finishRun, startRun, type RunStatus, type RunTrigger } from './runs.ts';
import { snapshotChain, type ChainRow, type HolderSnapshotReader, type ScanMemory, type SnapshotStrategy } from './snapshot.ts';
import { loadActive, recordPlan } from './store.ts';
import { planTransitions, toHeal } from './transitions.ts';
import type { Finding, Thresholds } from './types.ts';

export interface FullRunDeps {
  pool: pg.Pool;
  reader: HolderSnapshotReader;
  publish: Publish;
  logger: Logger;
  thresholds: Thresholds;
  policy: HealingPolicy;
  chunkKeys: number;
  concurrency: number;
  timeoutMs: number;
  /** How the chain snapshot is taken (snapshot.ts); chunks when left out. */
  strategy?: SnapshotStrategy;
  /** What auto learnt across runs (a refused scan); each run starts from scratch without it. */
  scanMemory?: ScanMemory;
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
  /** How the chain snapshot was taken. */
  strategy: 'scan' | 'chunks';
}

export async function fullReconciliation(
  d: FullRunDeps,
  trigger: RunTrigger,
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<RunSummary> {
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
        ...(d.strategy ? { strategy: d.strategy } : {}),
        ...(d.scanMemory ? { memory: d.scanMemory } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      }),
    );
    if (snap.scanError) log.warn({ error: snap.scanError }, 'the Token program scan failed; the snapshot was read in chunks');
    errors += snap.failed.length;
    for (const f of snap.failed.slice(0, 5)) log.warn({ mint: f.mint, error: f.error }, 'mint could not be read from the chain');

    // Where each NFT was found is remembered with the comparison (same transaction) when it moved
    // since the last run, so the next run reads the right token account first.
    const before = new Map(tracked.map((t) => [t.mint, t.remembered]));
    const moved = (r: ChainRow) => {
      const b = before.get(r.mint);
      return !b || b.owner !== r.owner || b.tokenAccount !== r.tokenAccount;
    };
    const now = Date.now();
    const compared = await phase('compare', () => compareAndRemember(d.pool, snap.rows, moved, now));
    const findings: Finding[] = [];
    for (const c of compared) {
      try {
        findings.push(...classify(c.view, d.thresholds, now));
      } catch (err) {
        errors += 1;
        log.warn({ err, mint: c.view.mint }, 'classification failed');
      }
    }
    // dlq_growth is not a per-mint comparison: the service checks it on its own (dlq.ts).
    const checked = new Set(snap.rows.map((r) => r.mint));
    const plan = planTransitions(await loadActive(d.pool), findings, (m) => checked.has(m), d.policy);
    const recorded = await phase('record', () => recordPlan(d.pool, plan, { source: 'full_run', runId }));
    const healed = await phase('heal', () => healAll(d.pool, toHeal(plan, recorded.createdIds)));
    errors += healed.failed.length;
    for (const f of healed.failed) log.warn({ err: f.error, mint: f.mint, discrepancyId: f.id }, 'healing failed');
    try {
      await d.publish([...recorded.events, ...healed.healed, ...healed.reviewed]);
    } catch (err) {
      errors += 1;
      log.error({ err }, 'publishing discrepancies failed; the table holds them');
    }

    const mismatches: Record<string, number> = {};
    for (const f of findings) mismatches[f.kind] = (mismatches[f.kind] ?? 0) + 1;
    const status: RunStatus = snap.skipped > 0 ? 'partial' : 'succeeded';
    await finishRun(d.pool, runId, {
      status,
      checked: snap.rows.length,
      mismatches,
      healed: healed.healed.length,
      errors,
      snapshotSlot: snap.slot,
      error:
        snap.skipped > 0 ? `${opts.signal?.aborted ? 'stopped by shutdown' : `timed out after ${d.timeoutMs} ms`}; ${snap.skipped} mints not checked` : null,
    });
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
      strategy: snap.strategy,
    };
    log.info(summary, 'full reconciliation finished');
    return summary;
  } catch (err) {
    await finishRun(d.pool, runId, {
      status: 'failed',
      checked: 0,
      mismatches: {},
      healed: 0,
      errors: errors + 1,
      snapshotSlot: null,
      error: errorMessage(err),
    }).catch(() => undefined);
    throw err;
  }
}
