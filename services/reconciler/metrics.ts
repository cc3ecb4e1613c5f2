// The reconciler's Prometheus metrics.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Queryable } from '../lib/db.ts';
import type { RunSummary } from './full-run.ts';
import { openCounts } from './store.ts';
import { DISCREPANCY_KINDS } from './types.ts';

export interface ReconcilerMetrics {
  observeRun(r: RunSummary): void;
  runFailed(): void;
  healed(n: number): void;
  refreshOpen(client: Queryable): Promise<void>;
  streamEvaluated(n: number): void;
}

export function reconcilerMetrics(registry: Registry): ReconcilerMetrics {
  const open = new Gauge({
    name: 'chainsync_reconciler_discrepancies',
    help: 'active discrepancies by kind and state (open, needs_review)',
    labelNames: ['kind', 'state'],
    registers: [registry],
  });
  const healed = new Counter({ name: 'chainsync_reconciler_healed_total', help: 'discrepancies healed', registers: [registry] });
  const runs = new Counter({
    name: 'chainsync_reconciler_runs_total',
    help: 'full reconciliation runs by status',
    labelNames: ['status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'chainsync_reconciler_run_duration_seconds',
    help: 'full reconciliation duration',
    buckets: [1, 5, 15, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const lastOk = new Gauge({
    name: 'chainsync_reconciler_last_successful_run_timestamp_seconds',
    help: 'when the last full run succeeded',
    registers: [registry],
  });
  const checked = new Gauge({ name: 'chainsync_reconciler_last_run_checked', help: 'mints compared by the last full run', registers: [registry] });
  const evaluated = new Counter({ name: 'chainsync_reconciler_stream_evaluations_total', help: 'mints evaluated by the stream join', registers: [registry] });
  return {
    observeRun(r) {
      runs.inc({ status: r.status });
      duration.observe(r.durationMs / 1000);
      checked.set(r.checked);
      if (r.status === 'succeeded') lastOk.set(Date.now() / 1000);
    },
    runFailed: () => runs.inc({ status: 'failed' }),
    healed: (n) => healed.inc(n),
    async refreshOpen(client) {
      const counts = await openCounts(client);
      for (const state of ['open', 'needs_review']) for (const kind of DISCREPANCY_KINDS) open.set({ kind, state }, counts[state]?.[kind] ?? 0);
    },
    streamEvaluated: (n) => evaluated.inc(n),
  };
}
