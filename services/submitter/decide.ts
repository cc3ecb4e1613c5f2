// What to do next with an operation's attempts, from what the chain says about their
// signatures and the current block height. Pure; the executor does the I/O.

export interface SigStatus {
  slot: number;
  err: unknown;
  confirmationStatus: 'processed' | 'confirmed' | 'finalized' | null;
}

export interface AttemptView {
  attempt: number;
  signature: string;
  lastValidBlockHeight: number;
  /** When these bytes were last broadcast by this process (null: not since start). */
  sentAt: number | null;
}

export type Decision =
  | { kind: 'build' }
  | { kind: 'confirmed'; attempt: number; signature: string; slot: number }
  | { kind: 'landed_failed'; attempt: number; signature: string; slot: number; err: unknown }
  | { kind: 'wait' }
  | { kind: 'rebroadcast'; attempt: number }
  | { kind: 'expired'; attempt: number }
  | { kind: 'exhausted'; attempt: number };

export interface DecideInput {
  /** Oldest first. */
  attempts: readonly AttemptView[];
  /** Status per signature, looked up with searchTransactionHistory; null = not found. */
  statuses: ReadonlyMap<string, SigStatus | null>;
  /** Block height at `confirmed`, read BEFORE the statuses. */
  blockHeight: number;
  now: number;
  rebroadcastMs: number;
  maxAttempts: number;
}

const atLeastConfirmed = (s: SigStatus) => s.confirmationStatus === 'confirmed' || s.confirmationStatus === 'finalized';

/**
 * Invariant 3: a new signature is only ever produced ('build' after 'expired') when no attempt's
 * signature is found on chain AND the block height has passed the latest attempt's
 * lastValidBlockHeight, so none of them can land any more.
 */
export function decideAttempt(i: DecideInput): Decision {
  if (i.attempts.length === 0) return { kind: 'build' };
  let seen = false;
  for (const a of i.attempts) {
    const s = i.statuses.get(a.signature);
    if (!s) continue;
    seen = true;
    if (!atLeastConfirmed(s)) continue;
    if (s.err === null || s.err === undefined) return { kind: 'confirmed', attempt: a.attempt, signature: a.signature, slot: s.slot };
    return { kind: 'landed_failed', attempt: a.attempt, signature: a.signature, slot: s.slot, err: s.err };
  }
  // Landed but not yet confirmed: the chain is deciding, nothing to send.
  if (seen) return { kind: 'wait' };
  const latest = i.attempts[i.attempts.length - 1]!;
  if (i.blockHeight > latest.lastValidBlockHeight) {
    return latest.attempt >= i.maxAttempts ? { kind: 'exhausted', attempt: latest.attempt } : { kind: 'expired', attempt: latest.attempt };
  }
  if (latest.sentAt === null || i.now - latest.sentAt >= i.rebroadcastMs) return { kind: 'rebroadcast', attempt: latest.attempt };
  return { kind: 'wait' };
}
