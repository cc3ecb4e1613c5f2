import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The projector's metrics, labelled by consumer (ownership, status) so both share one registry. */
export function projectorMetrics(registry: Registry) {
  const labelNames = ['consumer'] as const;
  return {
    records: new Counter({
      name: 'chainsync_projector_records_total',
      help: 'records applied (decoded and past the stored offset)',
      labelNames,
      registers: [registry],
    }),
    rows: new Counter({ name: 'chainsync_projector_rows_total', help: 'rows written; rate() is rows/s', labelNames, registers: [registry] }),
    skipped: new Counter({
      name: 'chainsync_projector_skipped_total',
      help: 'records skipped, by reason',
      labelNames: ['consumer', 'reason'],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'chainsync_projector_batch_size',
      help: 'records per batch transaction',
      labelNames,
      buckets: [1, 10, 50, 100, 500, 1000, 5000, 20000],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'chainsync_projector_batch_seconds',
      help: 'time per batch transaction',
      labelNames,
      buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'chainsync_projector_lag',
      help: 'records behind the high watermark, per partition',
      labelNames: ['consumer', 'partition'],
      registers: [registry],
    }),
  };
}

export type ProjectorMetrics = ReturnType<typeof projectorMetrics>;
