import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MAX_SEED, rngFor } from './prng.ts';

const seed = fc.integer({ min: 0, max: MAX_SEED });
const draws = (s: number, name: string, n: number) => {
  const r = rngFor(s, name);
  return Array.from({ length: n }, () => r.uint32());
};

describe('rngFor', () => {
  test.prop([seed, fc.string()])('the same seed and name give the same draws', (s, name) => {
    expect(draws(s, name, 50)).toEqual(draws(s, name, 50));
  });

  test.prop([seed, fc.string(), fc.string()])('streams of different names differ', (s, a, b) => {
    fc.pre(a !== b);
    expect(draws(s, a, 8)).not.toEqual(draws(s, b, 8));
  });

  test.prop([seed, seed])('different seeds give different streams', (a, b) => {
    fc.pre(a !== b);
    expect(draws(a, 'x', 8)).not.toEqual(draws(b, 'x', 8));
  });

  test.prop([seed, fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 1000 })])('int stays within its bounds', (s, min, span) => {
    const r = rngFor(s, 'int');
    for (let i = 0; i < 100; i++) {
      const n = r.int(min, min + span);
      expect(Number.isInteger(n) && n >= min && n <= min + span).toBe(true);
    }
  });

  test.prop([seed, fc.array(fc.integer())])('shuffle is a permutation', (s, items) => {
    expect(rngFor(s, 'shuffle').shuffle(items).sort()).toEqual([...items].sort());
  });

  it('spreads draws evenly: 20,000 rolls of a ten-sided die land 1,700-2,300 on each face', () => {
    const r = rngFor(7, 'dice');
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) counts[r.int(0, 9)]!++;
    for (const c of counts) {
      expect(c).toBeGreaterThan(1_700);
      expect(c).toBeLessThan(2_300);
    }
  });

  it('refuses a seed outside 0..2^32-1', () => {
    expect(() => rngFor(-1, 'x')).toThrow(RangeError);
    expect(() => rngFor(2 ** 32, 'x')).toThrow(RangeError);
    expect(() => rngFor(1.5, 'x')).toThrow(RangeError);
  });
});
