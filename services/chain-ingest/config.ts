import { bool, commonSpec, int, list, str, type ConfigOf, type Spec } from '../lib/config.ts';
import { rpcSpec, wsSpec } from '../lib/solana/rpc-config.ts';

export const ingestSpec = {
  ...commonSpec,
  ...rpcSpec,
  ...wsSpec,
  TRACKED_MINTS: list('comma-separated mint addresses followed besides the mints confirmed on chain.ops.status', []),
  INGEST_LEADER_LOCK: int('Postgres advisory-lock key that elects the one active instance', 5_150_001, 1, Number.MAX_SAFE_INTEGER),
  INGEST_STANDBY_RETRY_MS: int('how often a standby tries to take the leader lock', 2_000, 100, 60_000),
  INGEST_SWEEP_MS: int(
    'every tracked mint is re-read once per this period, a slice each second, to catch anything the stream missed (0 = off); gaps are backfilled at once, this is the safety net',
    300_000,
    0,
    86_400_000,
  ),
  INGEST_STALL_MS: int('no slot notification for this long counts as a stream gap', 5_000, 500, 600_000),
  INGEST_SUBSCRIPTIONS_PER_CONNECTION: int(
    "subscriptions one WebSocket connection holds (a provider's cap); each tracked mint takes two (its token accounts, filtered by mint, and its mint account), spread over as many connections as needed",
    1_000,
    2,
    1_000_000,
  ),
  INGEST_TRACK_FROM_TOPIC: bool('also follow every mint already in chain.ownership (off: only TRACKED_MINTS and newly confirmed mints)', true),
  INGEST_FOLLOW_STATUS: bool('follow mints confirmed on chain.ops.status', true),
  INGEST_STATUS_GROUP: str('consumer group reading chain.ops.status for newly confirmed mints', 'chain-ingest-status'),
  INGEST_FOLLOW_REQUESTS: bool(
    'follow mints as soon as they are requested on chain.ops.requested, so their landing is published from the stream at once',
    true,
  ),
  INGEST_REQUEST_GROUP: str('consumer group reading chain.ops.requested for mints about to be created', 'chain-ingest-requests'),
} satisfies Spec;

export type IngestConfig = ConfigOf<typeof ingestSpec>;
