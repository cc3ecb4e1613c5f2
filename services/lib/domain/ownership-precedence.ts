/**
 * Which of two claims about who holds an NFT is the newer truth (invariant 5: per mint, the owner
 * is the one at the highest slot seen; replays, duplicates and reordering cannot move it back).
 * The same rule decides at each level it is applied: chain-ingest's observations of one token
 * account and its choice of holder among a mint's accounts (holding.ts), and the records of
 * chain.ownership in the projector (ownership table) and the reconciler (its view of the chain).
 *
 * 1. The higher slot wins: the chain's state at a later slot is newer.
 * 2. At one slot, a finalized claim beats a confirmed one: a rooted slot is never corrected, so a
 *    confirmed claim arriving after it is a stale duplicate, and a finalized one arriving after a
 *    confirmed one is its finalization.
 * 3. At one slot and commitment, the tie rule of the source decides. chain.ownership is written by
 *    a single leader in slot order and read per partition in offset order, and at one slot its
 *    later record knows more (a transfer seen as the sender's emptied account, then the
 *    receiver's): the later record wins (`laterRecordWins`). Raw observations race (a backfill
 *    read and a stream notification of the same account), so their arrival order means nothing,
 *    and a fixed order on their content decides instead (the caller's `tie`), which keeps the
 *    result independent of arrival order.
 */

export type Commitment = 'confirmed' | 'finalized';

export interface OwnershipClaim {
  slot: number;
  /** Absent for observations that carry none; they compare as confirmed. */
  commitment?: Commitment;
}

/** At one slot and commitment: whether `incoming` replaces `current`. */
export type SameSlotTie<I, C = I> = (incoming: I, current: C) => boolean;

/** chain.ownership read in offset order: at one slot the later record knows more. */
export const laterRecordWins = (): boolean => true;

const rank = (c: OwnershipClaim) => (c.commitment === 'finalized' ? 1 : 0);

/** Whether `incoming` replaces `current` (nothing yet: it does). */
export function ownershipSupersedes<I extends OwnershipClaim, C extends OwnershipClaim>(current: C | undefined, incoming: I, tie: SameSlotTie<I, C>): boolean {
  if (current === undefined) return true;
  if (incoming.slot !== current.slot) return incoming.slot > current.slot;
  if (rank(incoming) !== rank(current)) return rank(incoming) > rank(current);
  return tie(incoming, current);
}

/** The claim that stands after `claims`, applied in the order given. */
export function latestClaim<T extends OwnershipClaim>(claims: Iterable<T>, tie: SameSlotTie<T>, from?: T): T | undefined {
  let at = from;
  for (const c of claims) if (ownershipSupersedes(at, c, tie)) at = c;
  return at;
}

/**
 * The same rule as a SQL condition over two rows with `slot` and `commitment` columns: `n` (new)
 * replaces `o` (stored) with `laterRecordWins`. For a guard in a statement, so even a writer that
 * skipped the decision above cannot move a row back.
 */
export const ownershipSupersedesSql = (n: string, o: string): string =>
  `(${n}.slot > ${o}.slot OR (${n}.slot = ${o}.slot AND NOT (${o}.commitment = 'finalized' AND ${n}.commitment <> 'finalized')))`;
