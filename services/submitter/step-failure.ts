// What the executor does when a step of an operation throws: try again, park the operation for
// review, or fail it. Pure: the executor passes the error and what it knows of the operation.
//
// - A transient failure (the RPC, the network, the database connection) is tried again with the
//   shared backoff for as long as it lasts: the chain and the infrastructure come back, and an
//   attempt already sent is decided by the chain (decide.ts), never by the failure.
// - An internal failure (a bug: TypeError and its kin, or a statement the database refuses the
//   same way every time) is not a circumstance: trying again gives the same error. It is tried
//   again only until the operation has met the same error `parkAfter` times (a wrong value read
//   once can pass), then the operation is parked: taken off the queue, with the error recorded,
//   until a human has looked. Parking is not failing: nothing is reported on chain.ops.status, and
//   an operation parked with an attempt out resumes by looking that attempt up on chain.
// - A permanent failure (the request can never succeed as it is) fails the operation, unless an
//   attempt may be on chain: an operation whose transaction may have landed is never reported
//   failed because of an error here, so it is parked instead and the chain decides.
import { InvalidInputError, PermanentError, errorMessage } from '../lib/errors.ts';
import { backoffDelay, isProgrammingError, type BackoffPolicy } from '../lib/retry.ts';
import { RpcFailure } from '../lib/solana/rpc-pool.ts';

export type StepFailure =
  | { kind: 'transient' }
  | { kind: 'permanent' }
  /** `key` names the error, so the same one met again is counted: its class and message. */
  | { kind: 'internal'; cause: 'programming' | 'statement'; key: string };

// SQLSTATE classes where the same statement on the same data fails the same way again: data
// exception, integrity constraint violation, syntax error or access rule violation, feature not
// supported. The rest (connection, resources, serialization, operator intervention) pass.
const STATEMENT_CLASSES = new Set(['22', '23', '42', '0A']);

/** A Postgres error answer (pg's DatabaseError): a five-character SQLSTATE and a severity. */
const sqlState = (err: unknown): string | undefined => {
  const e = err as { code?: unknown; severity?: unknown } | null;
  return typeof e?.code === 'string' && e.code.length === 5 && typeof e.severity === 'string' ? e.code : undefined;
};

const keyOf = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split('\n', 1)[0]!.slice(0, 300);

export function classifyStepFailure(err: unknown): StepFailure {
  if (err instanceof PermanentError || err instanceof InvalidInputError) return { kind: 'permanent' };
  // The RPC pool classifies what the chain said; a bug inside a call comes out wrapped in it.
  const bug = err instanceof RpcFailure && isProgrammingError(err.cause) ? err.cause : err;
  if (isProgrammingError(bug)) return { kind: 'internal', cause: 'programming', key: keyOf(bug) };
  const state = sqlState(err);
  if (state !== undefined && STATEMENT_CLASSES.has(state.slice(0, 2))) return { kind: 'internal', cause: 'statement', key: `SQLSTATE ${state}: ${keyOf(err)}` };
  return { kind: 'transient' };
}

export type StepVerdict = { kind: 'retry'; delayMs: number } | { kind: 'park' } | { kind: 'fail' };

export interface StepFailureInput {
  failure: StepFailure;
  /** How many times this operation has met this failure (its key), this time included; internal failures only. */
  occurrences: number;
  /** The configured number of times the same internal error parks the operation (>= 1). */
  parkAfter: number;
  /** A signed attempt exists that has not been seen to expire unseen: it may have been sent and may land. */
  mayBeOnChain: boolean;
  /** Failed steps of this operation so far, this one included: the backoff's retry number. */
  retry: number;
  backoff: BackoffPolicy;
  /** In [0, 1): the jitter. */
  random: number;
}

export function decideStepFailure(i: StepFailureInput): StepVerdict {
  if (i.failure.kind === 'permanent') return i.mayBeOnChain ? { kind: 'park' } : { kind: 'fail' };
  if (i.failure.kind === 'internal' && i.occurrences >= i.parkAfter) return { kind: 'park' };
  return { kind: 'retry', delayMs: backoffDelay(i.backoff, i.retry, i.random) };
}

/** What a reviewer reads on the parked operation: the error and where it was thrown. */
export function parkedReason(err: unknown): string {
  const inner = err instanceof RpcFailure && isProgrammingError(err.cause) ? err.cause : err;
  const at =
    inner instanceof Error
      ? inner.stack
          ?.split('\n')
          .find((l) => l.trim().startsWith('at '))
          ?.trim()
      : undefined;
  return `${inner instanceof Error ? `${inner.name}: ${inner.message}` : errorMessage(inner)}${at ? ` (${at})` : ''}`.slice(0, 2_000);
}
