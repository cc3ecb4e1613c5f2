import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MAX_COMPUTE_UNITS } from '../lib/solana/compute-budget.ts';
import { percentileOf, unitLimitFor, unitPriceFor, type FeePolicy } from './fee-policy.ts';

const policyArb = fc
  .record({
    percentile: fc.integer({ min: 0, max: 100 }),
    floor: fc.integer({ min: 0, max: 1_000_000 }),
    span: fc.integer({ min: 0, max: 10_000_000 }),
    raisePercent: fc.integer({ min: 0, max: 500 }),
    limitMarginPercent: fc.integer({ min: 0, max: 100 }),
    fallbackLimit: fc.integer({ min: 1, max: 2 * MAX_COMPUTE_UNITS }),
  })
  .map(({ span, ...p }): FeePolicy => ({ ...p, cap: p.floor + span }));
const feesArb = fc.array(fc.integer({ min: 0, max: 50_000_000 }), { maxLength: 150 });
const priceArb = fc.option(fc.integer({ min: 0, max: 20_000_000 }), { nil: null });

describe('fee policy', () => {
  test.prop([feesArb, priceArb, policyArb])('a price is never below the floor nor above the cap', (recentFees, previousPrice, policy) => {
    const price = unitPriceFor({ recentFees, previousPrice, policy });
    expect(price).toBeGreaterThanOrEqual(policy.floor);
    expect(price).toBeLessThanOrEqual(policy.cap);
  });

  test.prop([feesArb, policyArb])('pays at least the market percentile when the cap allows it', (recentFees, policy) => {
    const price = unitPriceFor({ recentFees, previousPrice: null, policy });
    expect(price).toBe(Math.min(policy.cap, Math.max(policy.floor, percentileOf(recentFees, policy.percentile))));
  });

  test.prop([feesArb, fc.integer({ min: 0, max: 20_000_000 }), policyArb])(
    'a re-sign after an expiry pays more than the expired attempt until the cap',
    (recentFees, previousPrice, policy) => {
      const price = unitPriceFor({ recentFees, previousPrice, policy });
      if (previousPrice < policy.cap) expect(price).toBeGreaterThan(previousPrice);
      else expect(price).toBe(policy.cap);
    },
  );

  test.prop([feesArb, policyArb, fc.integer({ min: 1, max: 30 })])('repeated re-signs reach the cap and stay there', (recentFees, policy, resigns) => {
    let price = unitPriceFor({ recentFees, previousPrice: null, policy });
    for (let i = 0; i < resigns; i++) {
      const next = unitPriceFor({ recentFees, previousPrice: price, policy });
      expect(next).toBeGreaterThanOrEqual(price);
      price = next;
    }
    if (policy.raisePercent >= 100 && resigns >= 30) expect(price).toBe(policy.cap);
  });

  test.prop([fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 0, max: 100 })])(
    'a percentile is one of the values, with at least that share of them at or below it',
    (values, p) => {
      const v = percentileOf(values, p);
      expect(values).toContain(v);
      expect(values.filter((x) => x <= v).length / values.length).toBeGreaterThanOrEqual(p / 100);
    },
  );

  it('percentiles of known values', () => {
    expect(percentileOf([], 75)).toBe(0);
    expect(percentileOf([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentileOf([5, 1, 3, 2, 4], 100)).toBe(5);
    expect(percentileOf([5, 1, 3, 2, 4], 0)).toBe(1);
    expect(percentileOf([0, 0, 0, 9_000], 75)).toBe(0);
  });

  test.prop([fc.integer({ min: 1, max: MAX_COMPUTE_UNITS }), policyArb])('a limit covers what the simulation used, within the maximum', (units, policy) => {
    const limit = unitLimitFor(units, policy);
    expect(limit).toBeGreaterThanOrEqual(Math.min(units, MAX_COMPUTE_UNITS));
    expect(limit).toBeLessThanOrEqual(MAX_COMPUTE_UNITS);
    expect(limit).toBeLessThanOrEqual(Math.ceil(units * (1 + policy.limitMarginPercent / 100)) + 1);
  });

  it('a limit with the margin, and the fallback when the simulation told nothing', () => {
    expect(unitLimitFor(50_000, { limitMarginPercent: 20, fallbackLimit: 200_000 })).toBe(60_000);
    expect(unitLimitFor(null, { limitMarginPercent: 20, fallbackLimit: 200_000 })).toBe(200_000);
    expect(unitLimitFor(1_300_000, { limitMarginPercent: 20, fallbackLimit: 200_000 })).toBe(MAX_COMPUTE_UNITS);
  });
});
