// The healing policy: per kind, what the reconciler does with a finding. Pure and configurable;
// anything financial or ambiguous goes to a human and is never healed automatically.
import type { DiscrepancyKind, DiscrepancyState, Finding, OpType, Severity } from './types.ts';

export type OwnerPolicy = 'heal' | 'review' | 'report';
export type FailedOpPolicy = 'retry' | 'review';

export interface HealingPolicy {
  /** heal: correct tickets.owner_wallet from the chain (with an audit row); also the ticket's state (ticket_state_mismatch). */
  ownerMismatch: OwnerPolicy;
  /** retry: request a failed operation again under the same op id and idempotency key (api retryOperation). */
  failedOperation: FailedOpPolicy;
  /** The operation types retried automatically; a failure of any other type goes to review. */
  retryTypes: readonly OpType[];
  /** Re-requests per operation before its next failure goes to review. */
  maxRetries: number;
}

/**
 * Failed mints are requested again, twice at most. A mint is safe to request blindly: its address
 * is deterministic, so a second attempt can never create a second NFT, and the submitter confirms
 * an effect that already landed instead of repeating it. A failed transfer or burn moves value
 * the owner may have moved since: by default a human decides.
 */
export const DEFAULT_POLICY: HealingPolicy = { ownerMismatch: 'heal', failedOperation: 'retry', retryTypes: ['mint'], maxRetries: 2 };

/** What to do now: leave it open, hand it to review, correct the owner (or the ticket's state with it), or re-request the op. */
export type Action = 'open' | 'review' | 'heal_owner' | 'heal_state' | 'retry_op';

export interface Decision {
  action: Action;
  severity: Severity;
  /** The state the discrepancy is recorded in before any healing runs. */
  state: Extract<DiscrepancyState, 'open' | 'needs_review'>;
  reason: string;
}

const SEVERITY: Record<DiscrepancyKind, Severity> = {
  owner_mismatch: 'medium',
  ticket_state_mismatch: 'medium',
  missing_on_chain: 'high',
  missing_in_db: 'high',
  stuck_operation: 'medium',
  dlq_growth: 'high',
};

const review = (kind: DiscrepancyKind, reason: string): Decision => ({ action: 'review', severity: SEVERITY[kind], state: 'needs_review', reason });
const open = (kind: DiscrepancyKind, reason: string): Decision => ({ action: 'open', severity: SEVERITY[kind], state: 'open', reason });

export function decide(f: Finding, p: HealingPolicy): Decision {
  switch (f.kind) {
    case 'owner_mismatch':
      if (p.ownerMismatch === 'heal') return { action: 'heal_owner', severity: 'medium', state: 'open', reason: 'database owner corrected from the chain' };
      return p.ownerMismatch === 'review' ? review(f.kind, 'owner differs; policy sends it to review') : open(f.kind, 'owner differs; policy only reports');
    case 'ticket_state_mismatch':
      // The same correction as an owner's, from the same source (invariant 4: the chain), so the same setting governs it.
      if (p.ownerMismatch === 'heal')
        return { action: 'heal_state', severity: 'medium', state: 'open', reason: 'ticket state and owner corrected from the chain' };
      return p.ownerMismatch === 'review'
        ? review(f.kind, 'ticket state differs from the chain; policy sends it to review')
        : open(f.kind, 'ticket state differs from the chain; policy only reports');
    case 'stuck_operation':
      if (f.opState === 'dead_lettered') return review(f.kind, 'operation dead-lettered after exhausting its retries');
      if (f.opState === 'failed') return decideFailed(f, p);
      return open(f.kind, 'operation in flight past its threshold');
    case 'missing_in_db':
      return review(f.kind, 'an NFT on chain has no ticket: ambiguous, never healed automatically');
    case 'missing_on_chain':
      return review(f.kind, 'the database claims an NFT the chain does not have: ambiguous, never healed automatically');
    case 'dlq_growth':
      return review(f.kind, 'dead letters are accumulating');
  }
}

/**
 * A failed operation is requested again only when that is safe by construction: it failed as
 * exhausted (every attempt's blockhash expired with its signature unseen: nothing landed, and the
 * submitter checks the chain before it signs again). A permanent failure (refused, failed on chain)
 * or invalid input would fail the same way; a failure of unknown kind is ambiguous. Those, types
 * the policy does not retry, and an operation already requested again maxRetries times go to review.
 */
function decideFailed(f: Finding, p: HealingPolicy): Decision {
  const generation = f.generation ?? 1;
  const what = `${f.opType ?? 'operation'} failed (${f.errorKind ?? 'unknown kind'})`;
  if (p.failedOperation !== 'retry') return review(f.kind, `${what}; policy sends failed operations to review`);
  if (f.errorKind !== 'exhausted') {
    return review(f.kind, f.errorKind ? `${what}: requesting it again would fail the same way` : `${what}: not known to be safe to request again`);
  }
  if (!f.opType || !p.retryTypes.includes(f.opType)) return review(f.kind, `${what}; policy retries only ${p.retryTypes.join(', ') || 'nothing'}`);
  if (generation > p.maxRetries) return review(f.kind, `${what} after ${generation - 1} re-request(s), the policy's limit`);
  return {
    action: 'retry_op',
    severity: 'medium',
    state: 'open',
    reason: `${what}: requested again as generation ${generation + 1} (same op id and idempotency key)`,
  };
}
