import { Counter, Gauge, type Registry } from 'prom-client';

export interface IngestMetrics {
  published: Counter<'commitment' | 'source'>;
  slotLag: Gauge;
  gaps: Counter<'reason'>;
  backfills: Counter<'reason'>;
  backfilledMints: Counter;
  reconnects: Counter;
  corrections: Counter;
  leader: Gauge;
  tracked: Gauge;
  /** RPC requests made (each attempt, retries included), by method: what the provider bills. */
  rpcRequests: Counter<'method'>;
}

export function ingestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  return {
    rpcRequests: new Counter({
      name: 'chainsync_ingest_rpc_requests_total',
      help: 'RPC requests made, retries included, by method (what a provider counts against the rate and bills)',
      labelNames: ['method'],
      registers,
    }),
    published: new Counter({
      name: 'chainsync_ingest_records_published_total',
      help: 'OwnershipChange records produced to chain.ownership',
      labelNames: ['commitment', 'source'],
      registers,
    }),
    slotLag: new Gauge({ name: 'chainsync_ingest_slot_lag', help: 'chain tip slot minus the highest slot ingest has fully covered', registers }),
    gaps: new Counter({
      name: 'chainsync_ingest_gaps_detected_total',
      help: 'stream gaps detected (disconnects, stalled slot stream, start)',
      labelNames: ['reason'],
      registers,
    }),
    backfills: new Counter({
      name: 'chainsync_ingest_backfills_total',
      help: 'backfill reads completed (gap, start, sweep, track, finality check)',
      labelNames: ['reason'],
      registers,
    }),
    backfilledMints: new Counter({ name: 'chainsync_ingest_backfilled_mints_total', help: 'mints re-read by backfills', registers }),
    reconnects: new Counter({ name: 'chainsync_ingest_ws_reconnects_total', help: 'WebSocket reconnections', registers }),
    corrections: new Counter({
      name: 'chainsync_ingest_corrections_total',
      help: 'published records that the finalized chain contradicted (forks, missed updates)',
      registers,
    }),
    leader: new Gauge({ name: 'chainsync_ingest_leader', help: '1 while this instance holds the leader lock', registers }),
    tracked: new Gauge({ name: 'chainsync_ingest_tracked_mints', help: 'mints followed', registers }),
  };
}
