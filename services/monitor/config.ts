import { commonSpec, int, list, str, type Spec } from '../lib/config.ts';
import { rpcSpec } from '../lib/solana/rpc-config.ts';

// The monitor reads Postgres, Kafka's group offsets and the RPC endpoints; it decodes no Avro,
// so it needs no schema registry.
const { SCHEMA_REGISTRY_URL: _registry, ...common } = commonSpec;
const { SOLANA_RPC_URL, SOLANA_RPC_URLS, RPC_TIMEOUT_MS } = rpcSpec;

export const monitorSpec = {
  ...common,
  SOLANA_RPC_URL,
  SOLANA_RPC_URLS,
  RPC_TIMEOUT_MS,
  MONITOR_REFERENCE_RPC_URLS: {
    ...list("comma-separated RPC endpoints the pipeline does not use, read only to compare block heights with (the cluster's public endpoint, say)", []),
    parse: (raw: string) =>
      raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((u) => {
          const url = new URL(u);
          if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`protocol of ${u} must be http: or https:`);
          return u;
        }),
  },
  MONITOR_INTERVAL_MS: int('how often every gauge is read again', 15_000, 1_000, 600_000),
  MONITOR_DEAD_LETTER_WINDOW_S: int('window of chainsync_dead_letters_recent (dead letters created in the last this many seconds)', 3_600, 60, 604_800),
  MONITOR_LAG_HISTORY_S: int('how long watermark samples are kept to date consumer lag (a longer lag reads as at least this)', 21_600, 600, 604_800),
  MONITOR_SYNC_GROUPS: list('consumer groups that carry the chain into Postgres: their lag is chainsync_sync_lag_seconds', [
    'chainsync-projector',
    'chainsync-projector-status',
  ]),
  MONITOR_REPLICATION_SLOT: str("replication slot whose retained WAL is measured (the outbox connector's slot.name)", 'chainsync_outbox'),
} satisfies Spec;
