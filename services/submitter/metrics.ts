import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface SubmitterMetrics {
  operations: Counter<'state'>;
  attempts: Counter;
  confirmationSeconds: Histogram;
  deadLetters: Counter<'kind'>;
  rpcErrors: Counter<'endpoint' | 'method' | 'kind'>;
  inFlight: Gauge;
  intake: Counter<'result'>;
  /** Operations parked for review (step-failure.ts), by what failed and whether an attempt may be on chain. */
  parked: Counter<'failure' | 'on_chain'>;
  parkedNow: Gauge;
  /** The compute-unit price each signed attempt offered. */
  unitPrice: Histogram;
  /** Lamports paid in fees by the transactions that landed. */
  feesPaid: Counter;
  /** Rows deleted by retention.ts, by table. */
  pruned: Counter<'table'>;
}

/**
 * `parkedCount` reads the operations parked now (all instances: the database's count) at each
 * scrape; without it the gauge is left at 0.
 */
export function createSubmitterMetrics(registry: Registry, parkedCount?: () => Promise<number>): SubmitterMetrics {
  let parkedLast = 0;
  return {
    operations: new Counter({
      name: 'chainsync_submitter_operations_total',
      help: 'operation state changes, by new state',
      labelNames: ['state'],
      registers: [registry],
    }),
    attempts: new Counter({ name: 'chainsync_submitter_attempts_total', help: 'transactions signed (first attempts and re-signs)', registers: [registry] }),
    confirmationSeconds: new Histogram({
      name: 'chainsync_submitter_confirmation_seconds',
      help: 'from the outbox request to confirmed on chain',
      buckets: [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'chainsync_submitter_dead_letters_total',
      help: 'operations dead-lettered, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    rpcErrors: new Counter({
      name: 'chainsync_submitter_rpc_errors_total',
      help: 'failed RPC calls, by endpoint, method and classification',
      labelNames: ['endpoint', 'method', 'kind'],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'chainsync_submitter_mints_in_flight',
      help: 'mints with an operation being worked on by this instance',
      registers: [registry],
    }),
    intake: new Counter({
      name: 'chainsync_submitter_intake_total',
      help: 'records read from chain.ops.requested, by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    parked: new Counter({
      name: 'chainsync_submitter_parked_operations_total',
      help:
        'operations parked for review (the same internal error met SUBMITTER_PARK_AFTER times, or a permanent one while ' +
        'an attempt may be on chain), by failure (programming, statement, permanent) and on_chain (maybe: an attempt ' +
        'may have landed, the chain decides when it resumes; no)',
      labelNames: ['failure', 'on_chain'],
      registers: [registry],
    }),
    unitPrice: new Histogram({
      name: 'chainsync_submitter_cu_price_micro_lamports',
      help: 'compute-unit price offered by each signed attempt (first attempts and re-signs), micro-lamports per unit',
      buckets: [0, 1_000, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000, 5_000_000, 10_000_000],
      registers: [registry],
    }),
    feesPaid: new Counter({
      name: 'chainsync_submitter_fees_paid_lamports_total',
      help: 'fees paid by the transactions that landed (base fee per signature and priority fee), lamports',
      registers: [registry],
    }),
    pruned: new Counter({
      name: 'chainsync_submitter_pruned_rows_total',
      help: 'rows deleted by retention: captured outbox rows, old status events, handled dead letters, old attempts',
      labelNames: ['table'],
      registers: [registry],
    }),
    parkedNow: new Gauge({
      name: 'chainsync_submitter_parked_operations',
      help:
        'operations parked for review now, across instances, and their mints held back: alert when above 0; clear ' +
        'submitter_ops.parked_at once the cause is fixed',
      registers: [registry],
      async collect() {
        if (!parkedCount) return;
        // A failed read keeps the last value rather than failing the whole scrape.
        parkedLast = await parkedCount().catch(() => parkedLast);
        this.set(parkedLast);
      },
    }),
  };
}
