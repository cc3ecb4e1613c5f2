import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { backoffPolicy } from '../retry.ts';
import { initialReconnect, nextReconnect, type ReconnectState } from './reconnect.ts';

const policyArb = fc
  .record({
    initialMs: fc.integer({ min: 1, max: 2_000 }),
    extra: fc.integer({ min: 0, max: 30_000 }),
    multiplier: fc.double({ min: 1, max: 3, noNaN: true }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ extra, ...p }) => backoffPolicy({ ...p, maxMs: p.initialMs + extra }));
const random = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
/** A socket's life: null never opened, else how long it stayed up. */
const outcome = fc.option(fc.nat({ max: 120_000 }), { nil: null });

describe('nextReconnect', () => {
  test.prop([
    policyArb,
    fc.integer({ min: 1, max: 6 }),
    fc.array(fc.tuple(outcome, random), { minLength: 1, maxLength: 40 }),
    fc.integer({ min: 1, max: 60_000 }),
  ])('each wait is the backoff of the failures in a row, within [base·(1-jitter), base] and never above the cap', (policy, n, closes, stableMs) => {
    let s: ReconnectState = initialReconnect();
    let streak = 0;
    for (const [upForMs, r] of closes) {
      const next = nextReconnect(s, n, upForMs, r, policy, stableMs);
      streak = upForMs !== null && upForMs >= stableMs ? 1 : streak + 1;
      const base = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** (streak - 1));
      expect(next.state.failures).toBe(streak);
      expect(next.delayMs).toBeLessThanOrEqual(base + 1e-9);
      expect(next.delayMs).toBeGreaterThanOrEqual(base * (1 - policy.jitter) - 1e-9);
      s = next.state;
    }
  });

  test.prop([fc.integer({ min: 1, max: 8 }), fc.nat({ max: 7 }), fc.array(outcome, { minLength: 1, maxLength: 50 })])(
    'rotates on every close: any n closes in a row dial each of the n endpoints once',
    (n, start, closes) => {
      let s: ReconnectState = { index: start % n, failures: 0 };
      const dialled: number[] = [];
      for (const upForMs of closes) {
        s = nextReconnect(s, n, upForMs, 0).state;
        dialled.push(s.index);
      }
      for (let i = 0; i + n <= dialled.length; i++) expect(new Set(dialled.slice(i, i + n)).size).toBe(n);
    },
  );

  test.prop([policyArb, fc.integer({ min: 1, max: 4 }), fc.nat({ max: 30 })])(
    'without jitter the wait never shrinks while failures continue, and a stable socket starts over',
    (policy, n, k) => {
      let s: ReconnectState = initialReconnect();
      let last = 0;
      for (let i = 0; i <= k; i++) {
        const next = nextReconnect(s, n, null, 0, policy);
        expect(next.delayMs).toBeGreaterThanOrEqual(last);
        last = next.delayMs;
        s = next.state;
      }
      expect(nextReconnect(s, n, 10 ** 9, 0, policy).delayMs).toBe(policy.initialMs);
    },
  );
});
