// Whether a derived holding becomes a record on chain.ownership. Per mint, published slots never
// decrease, so a consumer that keeps "the record at the highest slot" can never move backwards.
import type { Holding } from './holding.ts';

export type Commitment = 'confirmed' | 'finalized';

export interface Published extends Holding {
  commitment: Commitment;
}

export const sameHolding = (a: Holding, b: Holding) => a.owner === b.owner && a.tokenAccount === b.tokenAccount && a.amount === b.amount;

export function shouldPublish(last: Published | undefined, next: Published): boolean {
  // Announcing "nobody holds it" for a mint never announced (not minted yet, or burned before it
  // was tracked) would tell consumers about a ticket that has no NFT.
  if (!last) return next.owner !== null;
  if (next.slot < last.slot) return false;
  if (!sameHolding(last, next)) return true;
  return next.commitment === 'finalized' && last.commitment === 'confirmed';
}

/** The last record is waiting for the root to pass its slot before it can be marked finalized. */
export const awaitsFinality = (last: Published, root: number) => last.commitment === 'confirmed' && last.slot <= root;
