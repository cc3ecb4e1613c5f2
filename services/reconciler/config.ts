// The reconciler's settings, declared once; main.ts and cli.ts load them from the environment.
import { commonSpec, int, list, oneOf, str, type ConfigOf, type Setting, type Spec } from '../lib/config.ts';
import { rpcSpec } from '../lib/solana/rpc-config.ts';
import { isOperationType } from '../lib/domain/operation-type.ts';
import type { OpType } from './types.ts';
import { MIN_RETENTION_DAYS } from './runs.ts';
import { SNAPSHOT_STRATEGIES } from './snapshot.ts';

export const reconcilerSpec = {
  ...commonSpec,
  ...rpcSpec,
  RECONCILER_GROUP_ID: str('consumer group on chain.ops.status and chain.ownership', 'chainsync-reconciler'),
  RECONCILE_INTERVAL_MS: int('full reconciliation every this many ms (0 = only on demand)', 300_000, 0, 86_400_000),
  RECONCILE_TIMEOUT_MS: int('a full run stops reading the chain after this long and records partial results', 240_000, 1_000, 3_600_000),
  RECONCILE_GRACE_MS: int('how long the database may lag the chain after a change before it is a mismatch', 30_000, 0, 3_600_000),
  RECONCILE_STUCK_MS: int('an operation submitted (or being re-signed) longer than this is stuck', 300_000, 1_000, 86_400_000),
  RECONCILE_PENDING_MS: int('an operation requested but not submitted longer than this is stuck', 3_600_000, 1_000, 7 * 86_400_000),
  RECONCILE_EVAL_INTERVAL_MS: int('how often the stream join re-evaluates the mints that changed or have operations pending', 5_000, 100, 600_000),
  RECONCILE_RPC_CONCURRENCY: int('getMultipleAccounts calls in flight during a full run', 4, 1, 64),
  RECONCILE_CHUNK_KEYS: int('keys per getMultipleAccounts call (the RPC allows at most 100)', 100, 1, 100),
  RECONCILE_SNAPSHOT: oneOf(
    'how a full run reads the chain: scan (one getProgramAccounts over the Token program for the accounts holding ' +
      'one token: for a local or private cluster, or an RPC indexing the Token program), chunks (getMultipleAccounts ' +
      'over the tracked mints: cost follows the tracked mints, for mainnet/devnet/testnet), auto (chunks on those ' +
      'public clusters, known by genesis hash; scan elsewhere, falling back to chunks if the RPC refuses)',
    SNAPSHOT_STRATEGIES,
    'auto',
  ),
  RECONCILE_RETENTION_DAYS: int('run records are kept this many days (at least 90)', 90, MIN_RETENTION_DAYS, 3650),
  RECONCILE_DLQ_THRESHOLD: int('dead letters on chain.ops.dlq within the window above which dlq_growth is reported', 10, 0, 1_000_000),
  RECONCILE_DLQ_WINDOW_MS: int('the window dead letters are counted over', 3_600_000, 1_000, 7 * 86_400_000),
  HEAL_OWNER_MISMATCH: oneOf(
    'owner_mismatch: heal (correct the database from the chain, audited), review, or report only',
    ['heal', 'review', 'report'] as const,
    'heal',
  ),
  HEAL_FAILED_OPERATION: oneOf(
    'a failed operation: retry (request it again under the same op id and idempotency key when it failed as exhausted) or review',
    ['retry', 'review'] as const,
    'retry',
  ),
  HEAL_RETRY_TYPES: opTypes('operation types retried automatically (comma-separated: mint, transfer, burn)', ['mint']),
  HEAL_MAX_RETRIES: int('re-requests per operation before its next failure goes to review', 2, 0, 20),
} satisfies Spec;

export type ReconcilerConfig = ConfigOf<typeof reconcilerSpec>;

function opTypes(description: string, fallback: OpType[]): Setting<OpType[]> {
  const base = list(description, fallback);
  return {
    description,
    default: fallback,
    parse: (raw) => {
      const items = base.parse(raw);
      const bad = items.filter((t) => !isOperationType(t));
      if (bad.length) throw new Error(`unknown operation type ${bad.join(', ')}`);
      return items as OpType[];
    },
  };
}
