// The reconciler's settings, declared once; main.ts and cli.ts load them from the environment.
import { commonSpec, int, oneOf, str, url, type ConfigOf, type Spec } from '../lib/config.ts';
import { MIN_RETENTION_DAYS } from './runs.ts';

export const reconcilerSpec = {
  ...commonSpec,
  SOLANA_RPC_URL: url('Solana JSON-RPC endpoint the chain snapshot is read from', ['http:', 'https:']),
  RECONCILER_GROUP_ID: str('consumer group on chain.ops.status and chain.ownership', 'chainsync-reconciler'),
  RECONCILE_INTERVAL_MS: int('full reconciliation every this many ms (0 = only on demand)', 300_000, 0, 86_400_000),
  RECONCILE_TIMEOUT_MS: int('a full run stops reading the chain after this long and records partial results', 240_000, 1_000, 3_600_000),
  RECONCILE_GRACE_MS: int('how long the database may lag the chain after a change before it is a mismatch', 30_000, 0, 3_600_000),
  RECONCILE_STUCK_MS: int('an operation submitted (or being re-signed) longer than this is stuck', 300_000, 1_000, 86_400_000),
  RECONCILE_PENDING_MS: int('an operation requested but not submitted longer than this is stuck', 3_600_000, 1_000, 7 * 86_400_000),
  RECONCILE_EVAL_INTERVAL_MS: int('how often the stream join re-evaluates the mints that changed or have operations pending', 5_000, 100, 600_000),
  RECONCILE_RPC_CONCURRENCY: int('getMultipleAccounts calls in flight during a full run', 4, 1, 64),
  RECONCILE_CHUNK_KEYS: int('keys per getMultipleAccounts call (the RPC allows at most 100)', 100, 1, 100),
  RECONCILE_RETENTION_DAYS: int('run records are kept this many days (at least 90)', 90, MIN_RETENTION_DAYS, 3650),
  RECONCILE_DLQ_THRESHOLD: int('dead-lettered operations in the last hour above which dlq_growth is reported', 10, 0, 1_000_000),
  HEAL_OWNER_MISMATCH: oneOf('owner_mismatch: heal (correct the database from the chain, audited), review, or report only', ['heal', 'review', 'report'] as const, 'heal'),
  // A re-request under the same idempotency key needs the submitter to take a failed op id in
  // again (it ignores a known op id today), so only review is offered until it does.
  HEAL_FAILED_OPERATION: oneOf('a failed operation: review (a human decides)', ['review'] as const, 'review'),
} satisfies Spec;

export type ReconcilerConfig = ConfigOf<typeof reconcilerSpec>;
