// Whether a derived holding becomes a record on chain.ownership. Per mint, published slots never
// decrease, so a consumer that keeps "the record at the highest slot" can never move backwards.
import type { Commitment } from '../lib/domain/ownership-precedence.ts';
import type { Holding } from './holding.ts';

export type { Commitment };

export interface Published extends Holding {
  commitment: Commitment;
}

export const sameHolding = (a: Holding, b: Holding) => a.owner === b.owner && a.tokenAccount === b.tokenAccount && a.amount === b.amount;

/**
 * `burned`: the mint account says the NFT was burned (mintLife). A first "nobody holds it" is
 * announced only then: for a mint not minted yet it would tell consumers about a ticket that has
 * no NFT, while a mint minted and burned before it was ever looked at (chain-ingest was down
 * meanwhile) must still reach the projector, or its ticket says mint_requested for good.
 */
export function shouldPublish(last: Published | undefined, next: Published, burned = false): boolean {
  if (!last) return next.owner !== null || burned;
  if (next.slot < last.slot) return false;
  if (!sameHolding(last, next)) return true;
  return next.commitment === 'finalized' && last.commitment === 'confirmed';
}

/** The last record is waiting for the root to pass its slot before it can be marked finalized. */
export const awaitsFinality = (last: Published, root: number) => last.commitment === 'confirmed' && last.slot <= root;

/**
 * What a mint account says of its NFT. The platform creates the mint, mints its one token and
 * removes the mint authority in one transaction, and the Token program never closes a mint
 * account: supply 0 without a mint authority can only be a burn, and stays so.
 */
export type MintLife = 'absent' | 'unminted' | 'minted' | 'burned';

export function mintLife(account: { supply: bigint; mintAuthority: string | null } | null): MintLife {
  if (!account) return 'absent';
  if (account.supply > 0n) return 'minted';
  return account.mintAuthority === null ? 'burned' : 'unminted';
}

/**
 * How a re-read looks at a mint, cheapest first. NFTs have supply 1, so an account that still
 * holds the token is the holder, and one batched read of the known holders' accounts settles
 * every mint that did not move ('holder'); a mint never seen may not have landed, and a batched
 * existence read says whether there is anything to list ('exists'); the rest need their token
 * accounts listed ('scan'). A burn that is final needs nothing on a sweep ('skip'): supply 0 with
 * no mint authority stays so.
 */
export type RereadStep = 'holder' | 'exists' | 'scan' | 'skip';

export function rereadStep(m: { holderAccount: string | null; seen: boolean; last: Published | undefined; sweep: boolean }): RereadStep {
  if (m.holderAccount !== null) return 'holder';
  if (!m.seen) return 'exists';
  if (m.sweep && m.last && m.last.owner === null && m.last.commitment === 'finalized') return 'skip';
  return 'scan';
}

/**
 * How many tracked mints one tick of the rolling sweep re-reads: enough that every mint is read
 * once per period, spread over its ticks. A whole pass at once took both cores of a small
 * machine for seconds at 18k mints, every period, and stalled everything else meanwhile.
 */
export function sweepSliceSize(tracked: number, tickMs: number, periodMs: number): number {
  if (tracked <= 0) return 0;
  const ticksPerPeriod = Math.max(1, Math.floor(periodMs / tickMs));
  return Math.ceil(tracked / ticksPerPeriod);
}
