// The plain values the reconciler's decisions take and return.
import type { OperationState } from '../lib/domain/operation-status.ts';
import type { OperationType } from '../lib/domain/operation-type.ts';
import type { FailureKind } from '../lib/records.ts';

export type DiscrepancyKind = 'owner_mismatch' | 'ticket_state_mismatch' | 'missing_on_chain' | 'missing_in_db' | 'stuck_operation' | 'dlq_growth';
export const DISCREPANCY_KINDS: readonly DiscrepancyKind[] = [
  'owner_mismatch',
  'ticket_state_mismatch',
  'missing_on_chain',
  'missing_in_db',
  'stuck_operation',
  'dlq_growth',
];
export type DiscrepancyState = 'open' | 'healed' | 'needs_review' | 'resolved';
export type Severity = 'low' | 'medium' | 'high';

/** Operation states as chain_operations and chain.ops.status name them (lib/domain, with their order). */
export type OpState = OperationState;
export type OpType = OperationType;

/** An operation that has not settled (or failed after the last settled one). */
export interface OpView {
  opId: string;
  idempotencyKey: string;
  type: OpType;
  state: OpState;
  /** When it entered its current state (epoch ms): requested_at for requested, else the state change. */
  since: number;
  from: string | null;
  to: string | null;
  error: string | null;
  /** The request generation (absent: 1); a newer one supersedes anything of an older one. */
  generation?: number;
  /** The attempt the state belongs to (absent: 0, none signed). */
  attempt?: number;
  /** For failed and dead_lettered: how it failed, when known. */
  errorKind?: FailureKind | null;
}

/** The chain's side of one mint, as a snapshot or the ownership stream saw it. */
export interface ChainView {
  /** Whether the mint account exists. */
  present: boolean;
  /** The wallet holding the token; null when burned or no holder was found. */
  owner: string | null;
  slot: number;
}

export interface TicketView {
  id: string;
  status: 'created' | 'mint_requested' | 'minted' | 'burned';
  owner: string | null;
}

/** Everything the classification of one mint needs: the database, the intent and the chain. */
export interface MintView {
  mint: string;
  chain: ChainView;
  ticket: TicketView | null;
  /** When the newest confirmed or finalized operation settled (epoch ms), if any. */
  lastSettledAt: number | null;
  ops: OpView[];
  /**
   * Whether the chain showed this mint before (a projected ownership row, or an earlier run found
   * it): a mint account gone now was then closed after its burn, not never created.
   */
  everOnChain?: boolean;
}

/** A discrepancy as found: what differs, before any policy or persistence. */
export interface Finding {
  mint: string;
  kind: DiscrepancyKind;
  opId: string | null;
  dbValue: string | null;
  chainValue: string | null;
  slot: number | null;
  /** For stuck_operation: the state of the operation that is stuck, its type, generation and failure kind. */
  opState?: OpState;
  opType?: OpType;
  generation?: number;
  errorKind?: FailureKind | null;
  /** For ticket_state_mismatch: the ticket as the database has it, and as the chain says it is. */
  state?: { db: TicketView['status']; dbOwner: string | null; chain: ChainTicketStatus; chainOwner: string | null };
}

/** What the chain says a ticket's state is: its NFT exists with a holder, or was burned. */
export type ChainTicketStatus = Extract<TicketView['status'], 'minted' | 'burned'>;

export interface Thresholds {
  /** How long the database may lag the chain after an operation settled before it is a mismatch. */
  graceMs: number;
  /** How long an operation may stay submitted (or expired, being re-signed) before it is stuck. */
  stuckMs: number;
  /** How long an operation may stay requested before it is stuck. */
  pendingMs: number;
}
