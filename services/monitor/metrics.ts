// The monitor's gauges: what the pipeline's state looks like from outside any one process, read
// from the tables, Kafka's group offsets and the RPC endpoints. A gauge read from a table is
// right after any restart, where a per-process counter would start again at zero.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function monitorMetrics(registry: Registry) {
  const registers = [registry];
  return {
    deadLetters: new Gauge({
      name: 'chainsync_dead_letters',
      help: 'dead letters nobody has handled yet (submitter_dead_letters with no handled_at): the DLQ depth, by kind',
      labelNames: ['kind'],
      registers,
    }),
    deadLettersRecent: new Gauge({
      name: 'chainsync_dead_letters_recent',
      help: 'dead letters created within MONITOR_DEAD_LETTER_WINDOW_S, by kind',
      labelNames: ['kind'],
      registers,
    }),
    operationsOpen: new Gauge({
      name: 'chainsync_operations_open',
      help: 'chain_operations not yet in an end state (finalized, failed, dead_lettered), by state',
      labelNames: ['state'],
      registers,
    }),
    operationsOldestOpen: new Gauge({
      name: 'chainsync_operations_oldest_open_age_seconds',
      help: 'age since request of the oldest chain_operation not yet in an end state, by state',
      labelNames: ['state'],
      registers,
    }),
    slotRetainedWal: new Gauge({
      name: 'chainsync_replication_slot_retained_wal_bytes',
      help: 'WAL the replication slot keeps on disk (current LSN minus restart_lsn)',
      labelNames: ['slot'],
      registers,
    }),
    slotFlushLag: new Gauge({
      name: 'chainsync_replication_slot_confirmed_flush_lag_bytes',
      help: 'WAL written since the position the connector confirmed (current LSN minus confirmed_flush_lsn)',
      labelNames: ['slot'],
      registers,
    }),
    slotActive: new Gauge({
      name: 'chainsync_replication_slot_active',
      help: '1 while a connector streams from the slot; absent when the slot does not exist',
      labelNames: ['slot'],
      registers,
    }),
    tableRows: new Gauge({
      name: 'chainsync_table_rows',
      help: 'live rows per table (pg_stat_user_tables estimate): queues should stay near what is in flight, audit trails grow',
      labelNames: ['table'],
      registers,
    }),
    lastReconcileSuccess: new Gauge({
      name: 'chainsync_reconciliation_last_success_timestamp_seconds',
      help: 'when the last full reconciliation that succeeded finished (from reconcile_runs)',
      registers,
    }),
    lastReconcileFailed: new Gauge({
      name: 'chainsync_reconciliation_last_run_failed',
      help: '1 when the last full reconciliation that finished failed (from reconcile_runs), else 0',
      registers,
    }),
    consumerLag: new Gauge({
      name: 'chainsync_consumer_lag',
      help: 'records behind the high watermark, per consumer group and partition (from committed offsets)',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    }),
    consumerLagSeconds: new Gauge({
      name: 'chainsync_consumer_lag_seconds',
      help: 'age of the oldest record the group has not consumed, per partition (0 when it has all)',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    }),
    syncLag: new Gauge({
      name: 'chainsync_sync_lag_seconds',
      help: 'how far Postgres trails the topics that carry the chain into it: the largest lag of MONITOR_SYNC_GROUPS',
      registers,
    }),
    rpcBlockHeight: new Gauge({
      name: 'chainsync_rpc_block_height',
      help: 'block height each RPC endpoint answers',
      labelNames: ['endpoint', 'role'],
      registers,
    }),
    rpcBlocksBehind: new Gauge({
      name: 'chainsync_rpc_blocks_behind',
      help: 'blocks an endpoint is behind the highest endpoint (pipeline and reference endpoints)',
      labelNames: ['endpoint', 'role'],
      registers,
    }),
    rpcUp: new Gauge({ name: 'chainsync_rpc_up', help: '1 when the endpoint answered the last probe', labelNames: ['endpoint', 'role'], registers }),
    rpcLatency: new Histogram({
      name: 'chainsync_rpc_probe_seconds',
      help: 'latency of getBlockHeight per endpoint',
      labelNames: ['endpoint', 'role'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    rpcErrors: new Counter({
      name: 'chainsync_rpc_probe_errors_total',
      help: 'failed getBlockHeight probes per endpoint',
      labelNames: ['endpoint', 'role'],
      registers,
    }),
    sampleErrors: new Counter({ name: 'chainsync_monitor_sample_errors_total', help: 'reads that failed, by source', labelNames: ['source'], registers }),
    lastSample: new Gauge({
      name: 'chainsync_monitor_last_sample_timestamp_seconds',
      help: 'when each source was last read successfully',
      labelNames: ['source'],
      registers,
    }),
  };
}

export type MonitorMetrics = ReturnType<typeof monitorMetrics>;
