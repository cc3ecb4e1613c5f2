// The healing policy: per kind, what the reconciler does with a finding. Pure and configurable;
// anything financial or ambiguous goes to a human and is never healed automatically.
import type { DiscrepancyKind, DiscrepancyState, Finding, Severity } from './types.ts';

export type OwnerPolicy = 'heal' | 'review' | 'report';
export type FailedOpPolicy = 'retry' | 'review';

export interface HealingPolicy {
  /** heal: correct tickets.owner_wallet from the chain (with an audit row). */
  ownerMismatch: OwnerPolicy;
  /** retry: request a failed mint again under the same idempotency key. */
  failedOperation: FailedOpPolicy;
}

export const DEFAULT_POLICY: HealingPolicy = { ownerMismatch: 'heal', failedOperation: 'review' };

/** What to do now: leave it open, hand it to review, correct the owner, or re-request the op. */
export type Action = 'open' | 'review' | 'heal_owner' | 'retry_op';

export interface Decision {
  action: Action;
  severity: Severity;
  /** The state the discrepancy is recorded in before any healing runs. */
  state: Extract<DiscrepancyState, 'open' | 'needs_review'>;
  reason: string;
}

const SEVERITY: Record<DiscrepancyKind, Severity> = {
  owner_mismatch: 'medium',
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
    case 'stuck_operation':
      if (f.opState === 'dead_lettered') return review(f.kind, 'operation dead-lettered after exhausting its retries');
      if (f.opState === 'failed') {
        // Only a mint is safe to re-request blindly: its address is deterministic, so a second
        // attempt can never create a second NFT. A failed transfer or burn moves value: a human decides.
        if (p.failedOperation === 'retry' && f.dbValue?.startsWith('mint:')) return { action: 'retry_op', severity: 'medium', state: 'open', reason: 'failed mint requested again with the same idempotency key' };
        return review(f.kind, 'operation failed; policy sends it to review');
      }
      return open(f.kind, 'operation in flight past its threshold');
    case 'missing_in_db':
      return review(f.kind, 'an NFT on chain has no ticket: ambiguous, never healed automatically');
    case 'missing_on_chain':
      return review(f.kind, 'the database claims an NFT the chain does not have: ambiguous, never healed automatically');
    case 'dlq_growth':
      return review(f.kind, 'dead letters are accumulating');
  }
}
