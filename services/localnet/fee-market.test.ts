import { fc, test } from '@fast-check/vitest';
import { ComputeBudgetProgram, Keypair, SystemProgram, Transaction } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { computeBudgetOf, DEFAULT_UNITS_PER_INSTRUCTION, feeLamports, FeeLevels, landsAt, MAX_COMPUTE_UNITS, RECENT_FEE_SLOTS } from './fee-market.ts';

const payer = Keypair.generate().publicKey;
function budgetOfTx(opts: { price?: bigint; limit?: number; transfers?: number }) {
  const tx = new Transaction({ feePayer: payer, recentBlockhash: Keypair.generate().publicKey.toBase58() });
  if (opts.limit !== undefined) tx.add(ComputeBudgetProgram.setComputeUnitLimit({ units: opts.limit }));
  if (opts.price !== undefined) tx.add(ComputeBudgetProgram.setComputeUnitPrice({ microLamports: opts.price }));
  for (let i = 0; i < (opts.transfers ?? 1); i++) tx.add(SystemProgram.transfer({ fromPubkey: payer, toPubkey: Keypair.generate().publicKey, lamports: 1 }));
  const message = tx.compileMessage();
  return computeBudgetOf(
    message.accountKeys.map((k) => k.toBase58()),
    message.compiledInstructions.map((ix) => ({ programIdIndex: ix.programIdIndex, data: ix.data })),
  );
}

describe('the fee market', () => {
  test.prop([fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 1, max: MAX_COMPUTE_UNITS })])(
    'reads the price and limit a message sets with web3.js’s compute-budget instructions',
    (price, limit) => {
      expect(budgetOfTx({ price, limit })).toEqual({ unitPrice: price, unitLimit: limit });
    },
  );

  it('gives a message without compute-budget instructions no priority and 200k units per instruction', () => {
    expect(budgetOfTx({ transfers: 2 })).toEqual({ unitPrice: 0n, unitLimit: 2 * DEFAULT_UNITS_PER_INSTRUCTION });
    expect(feeLamports(1, budgetOfTx({ transfers: 2 }))).toBe(5_000n);
  });

  it('charges the priority fee as price × limit in micro-lamports, rounded up', () => {
    expect(feeLamports(2, { unitPrice: 1_000n, unitLimit: 200_000 })).toBe(10_000n + 200n);
    expect(feeLamports(1, { unitPrice: 1n, unitLimit: 1 })).toBe(5_001n);
  });

  test.prop([fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.bigInt({ min: 0n, max: 10n ** 9n })])(
    'lands a transaction exactly when it pays the level',
    (price, level) => {
      expect(landsAt({ unitPrice: price, unitLimit: 200_000 }, level)).toBe(price >= level);
    },
  );

  test.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 1_000 }), fc.bigInt({ min: 0n, max: 10n ** 6n })), { maxLength: 400 })])(
    'reports at most 150 recent slots, in increasing slot order',
    (records) => {
      const levels = new FeeLevels();
      for (const [slot, level] of records) levels.record(slot, level);
      const recent = levels.recent();
      expect(recent.length).toBeLessThanOrEqual(RECENT_FEE_SLOTS);
      for (let i = 1; i < recent.length; i++) expect(recent[i]!.slot).toBeGreaterThan(recent[i - 1]!.slot);
    },
  );
});
