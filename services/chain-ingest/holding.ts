// "Who holds this NFT at slot S", derived from observations of its token accounts that may arrive
// in any order, more than once, and from two sources (the stream and backfill reads). Which
// observation is newer is lib/domain/ownership-precedence.ts, the rule the projector and the
// reconciler apply to what this publishes.
import { ownershipSupersedes, type SameSlotTie } from '../lib/domain/ownership-precedence.ts';

/** One token account of a mint as seen at a slot; a closed or missing account is amount 0, owner null. */
export interface TokenObservation {
  mint: string;
  tokenAccount: string;
  owner: string | null;
  amount: bigint;
  slot: number;
}

export interface Holding {
  owner: string | null;
  tokenAccount: string | null;
  amount: bigint;
  /** The highest slot the derivation is based on: the holding is the truth as of this slot. */
  slot: number;
}

/**
 * At one slot an account has a single state, so a tie only happens between a read and a
 * notification of the same state, or (on a fork) two claims of which neither is more
 * trustworthy; a fixed order on the content (the emptier one, then the owner) keeps the result
 * independent of arrival order.
 */
export const sameAccountTie: SameSlotTie<TokenObservation> = (a, b) => (a.amount !== b.amount ? a.amount < b.amount : (a.owner ?? '') < (b.owner ?? ''));

/** Two accounts claiming the token at one slot: a fixed order (the account address) picks one. */
export const holderTie: SameSlotTie<TokenObservation> = (a, b) => a.tokenAccount < b.tokenAccount;

/** Adds an observation to a per-account map of the latest ones; returns whether it changed anything. */
export function observe(latest: Map<string, TokenObservation>, obs: TokenObservation): boolean {
  const current = latest.get(obs.tokenAccount);
  if (!ownershipSupersedes(current, obs, sameAccountTie)) return false;
  latest.set(obs.tokenAccount, obs);
  return true;
}

/**
 * The holding as of `atSlot` (default: everything seen). An NFT has supply 1, so at most one
 * account holds a positive amount; while updates are still in flight two may claim it, and the
 * claim seen at the higher slot is the newer truth. Undefined when nothing was seen by `atSlot`.
 */
export function holdingAt(observations: Iterable<TokenObservation>, atSlot = Number.POSITIVE_INFINITY): Holding | undefined {
  const latest = new Map<string, TokenObservation>();
  for (const o of observations) if (o.slot <= atSlot) observe(latest, o);
  let slot = -1;
  let holder: TokenObservation | undefined;
  for (const o of latest.values()) {
    slot = Math.max(slot, o.slot);
    if (o.amount <= 0n) continue;
    if (ownershipSupersedes(holder, o, holderTie)) holder = o;
  }
  if (slot < 0) return undefined;
  return holder
    ? { owner: holder.owner, tokenAccount: holder.tokenAccount, amount: holder.amount, slot }
    : { owner: null, tokenAccount: null, amount: 0n, slot };
}

/**
 * Whether the stream has shown this mint's token accounts at or after `slot`: a mint-account
 * change at a slot comes with a token-account change in the same transaction, so once one of
 * those is seen the change needs no re-read.
 */
export function seenSince(observations: Iterable<TokenObservation>, slot: number): boolean {
  for (const o of observations) if (o.slot >= slot) return true;
  return false;
}
