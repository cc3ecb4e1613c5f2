import { commonSpec, int, str, type ConfigOf } from '../lib/config.ts';
import { rpcSpec } from '../lib/solana/rpc-config.ts';
import type { FeePolicy } from './fee-policy.ts';

export const submitterSpec = {
  ...commonSpec,
  ...rpcSpec,
  AUTHORITY_KEYPAIR_PATH: str('solana-keygen JSON file of the platform authority (fee payer, mint authority)'),
  CUSTODIAL_SEED_PATH: str('master seed file of the custodial wallets (hex or raw, >= 32 bytes)'),
  SUBMITTER_GROUP_ID: str('Kafka consumer group on chain.ops.requested', 'chainsync-submitter'),
  SUBMITTER_CONCURRENCY: int('mints worked on at once by this instance', 256, 1, 10_000),
  SUBMITTER_MAX_ATTEMPTS: int('signed attempts (blockhash expiries) before an operation is dead-lettered as exhausted', 5, 1, 100),
  SUBMITTER_PARK_AFTER: int(
    'times an operation may meet the same internal error (a programming error, or a statement the database refuses ' +
      'the same way each time) before it is parked for review: not run again until submitter_ops.parked_at is ' +
      'cleared, its lease released, the error recorded, chainsync_submitter_parked_operations raised; never reported ' +
      'failed (transient RPC and database failures are retried without limit)',
    3,
    1,
    100,
  ),
  SUBMITTER_LEASE_TTL_MS: int('per-mint lease; another instance takes over a mint this long after its holder died', 15_000, 1_000, 600_000),
  SUBMITTER_SCAN_MS: int('resume scan for runnable operations when nothing wakes the scheduler', 1_000, 50, 60_000),
  SUBMITTER_POLL_MS: int('signature status poll interval', 250, 20, 10_000),
  SUBMITTER_REBROADCAST_MS: int('rebroadcast the same signed bytes this often until confirmed or expired', 2_000, 100, 60_000),
  SUBMITTER_FINALIZE_MS: int('how often confirmed operations are checked for finality', 2_000, 100, 60_000),
  SUBMITTER_PUBLISH_MS: int('status/DLQ outbox publish interval when idle', 100, 10, 10_000),
  SUBMITTER_CU_PRICE_PERCENTILE: int(
    'compute-unit price: this percentile of the recent per-slot priority fees (getRecentPrioritizationFees) of the accounts a transaction writes',
    75,
    0,
    100,
  ),
  SUBMITTER_CU_PRICE_FLOOR: int('compute-unit price never below this, micro-lamports per unit', 1_000, 0, 1_000_000_000),
  SUBMITTER_CU_PRICE_CAP: {
    ...int(
      'compute-unit price never above this, micro-lamports per unit, whatever the network asks: under congestion above it operations fail as exhausted',
      1_000_000,
      0,
      1_000_000_000,
    ),
    check: (c: Readonly<Record<string, unknown>>) =>
      (c.SUBMITTER_CU_PRICE_FLOOR as number) > (c.SUBMITTER_CU_PRICE_CAP as number)
        ? `${String(c.SUBMITTER_CU_PRICE_CAP)} is below SUBMITTER_CU_PRICE_FLOOR (${String(c.SUBMITTER_CU_PRICE_FLOOR)}): no price could be paid`
        : undefined,
  },
  SUBMITTER_CU_PRICE_RAISE_PERCENT: int(
    'each re-sign after a blockhash expiry offers at least this much more than the price that expired, in percent',
    100,
    0,
    1_000,
  ),
  SUBMITTER_CU_LIMIT_MARGIN_PERCENT: int('compute-unit limit: the units the transaction used in simulation plus this margin, in percent', 20, 0, 500),
  SUBMITTER_CU_LIMIT_FALLBACK: int('compute-unit limit when the transaction fails in simulation (its broadcast then says why)', 200_000, 1_000, 1_400_000),
  SUBMITTER_RETENTION_MS: int(
    'how often captured outbox rows, old status events, handled dead letters and old attempts are pruned (0 = never)',
    60_000,
    0,
    86_400_000,
  ),
  SUBMITTER_STATUS_OUTBOX_KEEP_S: int('published status events are kept this long (seconds)', 86_400, 0, 31_536_000),
  SUBMITTER_DEAD_LETTER_KEEP_S: int(
    'dead letters are kept this long after handled_at is set (seconds); unhandled ones are never pruned',
    2_592_000,
    0,
    31_536_000,
  ),
  SUBMITTER_ATTEMPT_KEEP_S: int('signed attempts of operations that ended (finalized, failed) are kept this long (seconds)', 2_592_000, 0, 31_536_000),
  OUTBOX_REPLICATION_SLOT: str('replication slot of the outbox connector: outbox rows it confirmed are deleted', 'chainsync_outbox'),
  SCHEMAS_DIR: str('directory of the Avro schemas', new URL('../../schemas', import.meta.url).pathname),
};

export type SubmitterConfig = ConfigOf<typeof submitterSpec>;

export const feePolicyOf = (c: SubmitterConfig): FeePolicy => ({
  percentile: c.SUBMITTER_CU_PRICE_PERCENTILE,
  floor: c.SUBMITTER_CU_PRICE_FLOOR,
  cap: c.SUBMITTER_CU_PRICE_CAP,
  raisePercent: c.SUBMITTER_CU_PRICE_RAISE_PERCENT,
  limitMarginPercent: c.SUBMITTER_CU_LIMIT_MARGIN_PERCENT,
  fallbackLimit: c.SUBMITTER_CU_LIMIT_FALLBACK,
});
