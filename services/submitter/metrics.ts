import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface SubmitterMetrics {
  operations: Counter<'state'>;
  attempts: Counter;
  confirmationSeconds: Histogram;
  deadLetters: Counter<'kind'>;
  rpcErrors: Counter<'endpoint' | 'method' | 'kind'>;
  inFlight: Gauge;
  intake: Counter<'result'>;
}

export function createSubmitterMetrics(registry: Registry): SubmitterMetrics {
  return {
    operations: new Counter({ name: 'chainsync_submitter_operations_total', help: 'operation state changes, by new state', labelNames: ['state'], registers: [registry] }),
    attempts: new Counter({ name: 'chainsync_submitter_attempts_total', help: 'transactions signed (first attempts and re-signs)', registers: [registry] }),
    confirmationSeconds: new Histogram({
      name: 'chainsync_submitter_confirmation_seconds',
      help: 'from the outbox request to confirmed on chain',
      buckets: [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300],
      registers: [registry],
    }),
    deadLetters: new Counter({ name: 'chainsync_submitter_dead_letters_total', help: 'operations dead-lettered, by kind', labelNames: ['kind'], registers: [registry] }),
    rpcErrors: new Counter({ name: 'chainsync_submitter_rpc_errors_total', help: 'failed RPC calls, by endpoint, method and classification', labelNames: ['endpoint', 'method', 'kind'], registers: [registry] }),
    inFlight: new Gauge({ name: 'chainsync_submitter_mints_in_flight', help: 'mints with an operation being worked on by this instance', registers: [registry] }),
    intake: new Counter({ name: 'chainsync_submitter_intake_total', help: 'records read from chain.ops.requested, by result', labelNames: ['result'], registers: [registry] }),
  };
}
