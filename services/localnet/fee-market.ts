// A fee market like a public cluster's: each slot has a priority-fee level (micro-lamports per
// compute unit) that a transaction must pay to land while the chain is congested. Pure: the
// compute-budget instructions a message carries, the fee it pays, whether it lands, and the
// recent levels getRecentPrioritizationFees reports.
import { COMPUTE_BUDGET_PROGRAM, DEFAULT_UNITS_PER_INSTRUCTION, MAX_COMPUTE_UNITS, type ComputeBudget } from '../lib/solana/compute-budget.ts';

export { COMPUTE_BUDGET_PROGRAM, DEFAULT_UNITS_PER_INSTRUCTION, MAX_COMPUTE_UNITS, feeLamports, type ComputeBudget } from '../lib/solana/compute-budget.ts';

/** getRecentPrioritizationFees reports at most this many recent slots, as a node does. */
export const RECENT_FEE_SLOTS = 150;

const SET_COMPUTE_UNIT_LIMIT = 2;
const SET_COMPUTE_UNIT_PRICE = 3;

export interface CompiledInstruction {
  programIdIndex: number;
  data: Uint8Array;
}

/** What a message's compute-budget instructions ask for; defaults where it carries none. */
export function computeBudgetOf(accountKeys: readonly string[], instructions: readonly CompiledInstruction[]): ComputeBudget {
  let unitPrice = 0n;
  let unitLimit: number | null = null;
  let others = 0;
  for (const ix of instructions) {
    if (accountKeys[ix.programIdIndex] !== COMPUTE_BUDGET_PROGRAM) {
      others++;
      continue;
    }
    const view = new DataView(ix.data.buffer, ix.data.byteOffset, ix.data.byteLength);
    if (ix.data[0] === SET_COMPUTE_UNIT_PRICE && ix.data.length >= 9) unitPrice = view.getBigUint64(1, true);
    if (ix.data[0] === SET_COMPUTE_UNIT_LIMIT && ix.data.length >= 5) unitLimit = view.getUint32(1, true);
  }
  return { unitPrice, unitLimit: Math.min(MAX_COMPUTE_UNITS, unitLimit ?? others * DEFAULT_UNITS_PER_INSTRUCTION) };
}

/** Under congestion a transaction paying less than the slot's level is accepted and never lands. */
export const landsAt = (budget: ComputeBudget, level: bigint): boolean => budget.unitPrice >= level;

/** The levels of the recent slots, newest last, at most RECENT_FEE_SLOTS of them. */
export class FeeLevels {
  private readonly slots: Array<{ slot: number; prioritizationFee: number }> = [];

  record(slot: number, level: bigint): void {
    const last = this.slots.at(-1);
    if (last && last.slot >= slot) return;
    this.slots.push({ slot, prioritizationFee: Number(level) });
    if (this.slots.length > RECENT_FEE_SLOTS) this.slots.shift();
  }

  recent(): Array<{ slot: number; prioritizationFee: number }> {
    return this.slots.map((s) => ({ ...s }));
  }
}
