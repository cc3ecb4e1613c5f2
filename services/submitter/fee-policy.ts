// What the submitter pays for a transaction to land on a busy chain, decided from what the chain
// reports. Pure: the compute-unit limit from a simulation's units with a margin, and the
// compute-unit price from the recent priority fees of the accounts it writes (a percentile,
// within a floor and a cap), raised on each re-sign after an expiry because the last price did
// not get the transaction in.
import { MAX_COMPUTE_UNITS } from '../lib/solana/compute-budget.ts';

export interface FeePolicy {
  /** Percentile (0–100) of the recent per-slot priority fees to pay. */
  percentile: number;
  /** Micro-lamports per compute unit: never less. */
  floor: number;
  /** Micro-lamports per compute unit: never more, whatever the market asks. */
  cap: number;
  /** Each re-sign pays at least this much more than the attempt that expired, in percent. */
  raisePercent: number;
  /** Compute units asked for above what the simulation used, in percent. */
  limitMarginPercent: number;
  /** The limit when the simulation could not tell (the transaction fails in simulation). */
  fallbackLimit: number;
}

/** Nearest-rank percentile; 0 for no values (a chain that reports no recent fees asks for none). */
export function percentileOf(values: readonly number[], percentile: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((percentile / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** The limit to ask for: what the simulation used plus the margin, at most the chain's maximum. */
export function unitLimitFor(unitsConsumed: number | null, policy: Pick<FeePolicy, 'limitMarginPercent' | 'fallbackLimit'>): number {
  if (unitsConsumed === null || unitsConsumed <= 0) return Math.min(MAX_COMPUTE_UNITS, policy.fallbackLimit);
  return Math.min(MAX_COMPUTE_UNITS, Math.ceil((unitsConsumed * (100 + policy.limitMarginPercent)) / 100));
}

/**
 * The price of an attempt: the market's percentile, and after an expiry at least the raise over
 * the price that expired (by one micro-lamport at the least, so a price of 0 moves too); always
 * within [floor, cap].
 */
export function unitPriceFor(p: { recentFees: readonly number[]; previousPrice: number | null; policy: FeePolicy }): number {
  const { policy } = p;
  const market = percentileOf(p.recentFees, policy.percentile);
  const raised = p.previousPrice === null ? 0 : Math.max(p.previousPrice + 1, Math.ceil((p.previousPrice * (100 + policy.raisePercent)) / 100));
  return Math.min(policy.cap, Math.max(policy.floor, market, raised));
}
