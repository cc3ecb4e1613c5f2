// Solana's fee rule, defined once for the chain we simulate and the submitter that pays it: a base
// fee per signature plus the priority fee, the compute-unit price (micro-lamports per unit) times
// the compute-unit limit the transaction asks for, rounded up to a whole lamport.
import { ComputeBudgetProgram, type TransactionInstruction } from '@solana/web3.js';

export const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111';
export const LAMPORTS_PER_SIGNATURE = 5_000;
/** A message without SetComputeUnitLimit gets this much per instruction, up to the maximum. */
export const DEFAULT_UNITS_PER_INSTRUCTION = 200_000;
export const MAX_COMPUTE_UNITS = 1_400_000;

export interface ComputeBudget {
  /** Micro-lamports per compute unit (0: no SetComputeUnitPrice). */
  unitPrice: bigint;
  /** Compute units the message may use. */
  unitLimit: number;
}

/** The fee in lamports: the base fee per signature and the priority fee, rounded up. */
export function feeLamports(signatures: number, budget: ComputeBudget): bigint {
  const priority = (budget.unitPrice * BigInt(budget.unitLimit) + 999_999n) / 1_000_000n;
  return BigInt(signatures * LAMPORTS_PER_SIGNATURE) + priority;
}

/** The two compute-budget instructions that ask for `budget`, to go first in a transaction. */
export const computeBudgetInstructions = (budget: ComputeBudget): TransactionInstruction[] => [
  ComputeBudgetProgram.setComputeUnitLimit({ units: budget.unitLimit }),
  ComputeBudgetProgram.setComputeUnitPrice({ microLamports: budget.unitPrice }),
];
