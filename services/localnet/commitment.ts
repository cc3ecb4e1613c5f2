// Which block each commitment level sees, and how long a blockhash stays usable. Pure: the
// chain state machine and the RPC handlers both ask these questions with plain numbers.

export type Commitment = 'processed' | 'confirmed' | 'finalized';

export const COMMITMENTS: readonly Commitment[] = ['processed', 'confirmed', 'finalized'];

/** A blockhash is usable while the block being built is at most this many blocks above it. */
export const BLOCKHASH_MAX_AGE = 150;

/** Blocks between confirmed and finalized (a root), as on mainnet's tower depth. */
export const FINALITY_DEPTH = 32;

const ALIASES: Record<string, Commitment> = {
  processed: 'processed',
  recent: 'processed',
  confirmed: 'confirmed',
  single: 'confirmed',
  singleGossip: 'confirmed',
  finalized: 'finalized',
  max: 'finalized',
  root: 'finalized',
};

/** Returns null for a value no Solana RPC accepts, so the caller can answer -32602. */
export function parseCommitment(value: unknown, fallback: Commitment): Commitment | null {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') return null;
  return ALIASES[value] ?? null;
}

export interface ViewHeights {
  processed: number;
  confirmed: number;
  finalized: number;
}

/**
 * Heights are counted on the current fork, so a fork never leaves a level pointing at an
 * abandoned block. `baseHeight` is the oldest block still held: below it everything is rooted;
 * `confirmedFloor` is the highest height confirmed so far on this fork.
 */
export function viewHeights(tipHeight: number, baseHeight: number, confirmationSlots: number, confirmedFloor = 0): ViewHeights {
  // Confirmed never moves back: a fork only abandons blocks above it, and the block that replaces
  // them sits right above it.
  const confirmed = Math.min(tipHeight, Math.max(baseHeight, confirmedFloor, tipHeight - confirmationSlots));
  const finalized = Math.max(baseHeight, confirmed - FINALITY_DEPTH);
  return { processed: tipHeight, confirmed, finalized };
}

/** The real cluster accepts a blockhash while block height <= its lastValidBlockHeight. */
export function lastValidBlockHeight(issuedHeight: number): number {
  return issuedHeight + BLOCKHASH_MAX_AGE;
}

export function blockhashUsable(issuedHeight: number, atHeight: number): boolean {
  return atHeight <= lastValidBlockHeight(issuedHeight);
}

/** The strongest level a block at `height` has reached. */
export function levelOf(height: number, heights: ViewHeights): Commitment | null {
  if (height <= heights.finalized) return 'finalized';
  if (height <= heights.confirmed) return 'confirmed';
  if (height <= heights.processed) return 'processed';
  return null;
}

export function visibleAt(height: number, level: Commitment, heights: ViewHeights): boolean {
  return height <= heights[level];
}

/** getSignatureStatuses: null once rooted, otherwise blocks built on top of the transaction's. */
export function confirmationsOf(height: number, heights: ViewHeights): number | null {
  return height <= heights.finalized ? null : heights.processed - height;
}
