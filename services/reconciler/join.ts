// The per-mint join of the two streams: chain.ops.status (what the platform did and expects) and
// chain.ownership (the chain owner at a slot). Pure reducers: the state after a set of events does
// not depend on how the two streams interleave, so a rebuild from offset zero equals the live state.
import { compareStatus } from '../lib/domain/operation-status.ts';
import { laterRecordWins, ownershipSupersedes } from '../lib/domain/ownership-precedence.ts';
import { generationOf, type OperationStatus, type OwnershipChange } from '../lib/records.ts';
import type { ChainView, MintView, OpState, OpView, TicketView } from './types.ts';

/** The fields of a chain.ops.status record the join reads. */
export type StatusEvent = Pick<
  OperationStatus,
  'opId' | 'idempotencyKey' | 'mint' | 'type' | 'state' | 'expectedOwner' | 'attempt' | 'error' | 'at' | 'generation' | 'errorKind'
>;

/** The fields of a chain.ownership record the join reads (observedAt: the owner has been this since about then). */
export type OwnershipEvent = Pick<OwnershipChange, 'mint' | 'owner' | 'tokenAccount' | 'amount' | 'slot' | 'commitment' | 'observedAt'>;

export interface TrackedOp extends OpView {
  attempt: number;
  expectedOwner: string | null;
}

export interface MintState {
  chain: (ChainView & { tokenAccount: string | null; observedAt: number; commitment: OwnershipEvent['commitment'] }) | null;
  ops: ReadonlyMap<string, TrackedOp>;
}

export const emptyMintState = (): MintState => ({ chain: null, ops: new Map() });

const SETTLED = new Set<OpState>(['confirmed', 'finalized']);

/**
 * Whether `next` supersedes `cur` for the same operation: the order of operation states the
 * projector follows too (lib/domain/operation-status.ts), so the reconciler acts on the state the
 * database will show. The same step reported twice (a redelivery, or the database's row and the
 * stream's event) keeps the later report's time.
 */
export function supersedes(
  cur: { state: OpState; since: number; attempt?: number; generation?: number } | undefined,
  next: { state: OpState; since: number; attempt?: number; generation?: number },
): boolean {
  if (!cur) return true;
  const order = compareStatus(next, cur);
  return order !== 0 ? order > 0 : next.since > cur.since;
}

export function applyStatus(s: MintState, e: StatusEvent): MintState {
  const next: TrackedOp = {
    opId: e.opId,
    idempotencyKey: e.idempotencyKey,
    type: e.type,
    state: e.state,
    since: e.at,
    from: s.ops.get(e.opId)?.from ?? null,
    to: e.type === 'burn' ? null : e.expectedOwner,
    error: e.error,
    attempt: e.attempt,
    expectedOwner: e.expectedOwner,
    generation: generationOf(e),
    errorKind: e.errorKind ?? null,
  };
  if (!supersedes(s.ops.get(e.opId), next)) return s;
  const ops = new Map(s.ops);
  ops.set(e.opId, next);
  return { ...s, ops };
}

/**
 * The owner by lib/domain/ownership-precedence.ts, as in the projector: the highest slot, and at
 * one slot the record read later (chain-ingest may publish a transfer's emptied sender account,
 * then the receiver's; within a partition records arrive in offset order).
 */
export function applyOwnership(s: MintState, e: OwnershipEvent): MintState {
  const cur = s.chain;
  if (cur && !ownershipSupersedes(cur, e, laterRecordWins)) return s;
  const owner = e.amount > 0 ? e.owner : null;
  // Another record of the same owner at the same slot (its finalization) does not make the change newer.
  const observedAt = cur && e.slot === cur.slot && cur.owner === owner ? Math.min(cur.observedAt, e.observedAt) : e.observedAt;
  return { ...s, chain: { present: true, owner, slot: e.slot, tokenAccount: e.tokenAccount, observedAt, commitment: e.commitment } };
}

/** When the newest settled operation settled. */
export function lastSettledAt(ops: Iterable<OpView>): number | null {
  let at: number | null = null;
  for (const op of ops) if (SETTLED.has(op.state) && (at === null || op.since > at)) at = op.since;
  return at;
}

/**
 * Merges the operations the database knows (requested ones never reach the status stream) with
 * the stream's, the more advanced state winning, and keeps only what can still matter: ops in
 * flight, and failures newer than the last settled operation.
 */
export function relevantOps(dbOps: readonly OpView[], streamOps: Iterable<OpView>): { ops: OpView[]; lastSettledAt: number | null } {
  const merged = new Map<string, OpView>();
  for (const op of [...dbOps, ...streamOps]) if (supersedes(merged.get(op.opId), op)) merged.set(op.opId, op);
  const settledAt = lastSettledAt(merged.values());
  const ops = [...merged.values()]
    .filter(
      (op) =>
        !SETTLED.has(op.state) &&
        (settledAt === null || op.state === 'requested' || op.state === 'submitted' || op.state === 'expired' || op.since > settledAt),
    )
    .sort((a, b) => a.since - b.since || (a.opId < b.opId ? -1 : 1));
  return { ops, lastSettledAt: settledAt };
}

/** The view the classifier reads: the stream's chain and intent joined with the database rows. */
export function streamView(
  mint: string,
  s: MintState,
  db: { ticket: TicketView | null; ops: readonly OpView[]; lastSettledAt: number | null },
): MintView | null {
  if (!s.chain) return null;
  const { ops, lastSettledAt: streamSettled } = relevantOps(db.ops, s.ops.values());
  // The chain's own last change counts too: the projector gets its grace period after a transfer
  // the platform did not make.
  const settled = [streamSettled, db.lastSettledAt, s.chain.observedAt].filter((x): x is number => x !== null);
  return {
    mint,
    chain: { present: s.chain.present, owner: s.chain.owner, slot: s.chain.slot },
    ticket: db.ticket,
    lastSettledAt: settled.length ? Math.max(...settled) : null,
    ops,
  };
}
