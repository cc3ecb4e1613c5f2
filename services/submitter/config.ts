import { commonSpec, int, str, type ConfigOf } from '../lib/config.ts';
import { rpcSpec } from '../lib/solana/rpc-config.ts';

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
  SCHEMAS_DIR: str('directory of the Avro schemas', new URL('../../schemas', import.meta.url).pathname),
};

export type SubmitterConfig = ConfigOf<typeof submitterSpec>;
