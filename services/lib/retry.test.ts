import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffPolicy, retry } from './retry.ts';

const policyArb = fc
  .record({
    initialMs: fc.integer({ min: 1, max: 5_000 }),
    extra: fc.integer({ min: 0, max: 60_000 }),
    multiplier: fc.double({ min: 1, max: 4, noNaN: true }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
    maxAttempts: fc.integer({ min: 1, max: 50 }),
  })
  .map(({ extra, ...p }) => backoffPolicy({ ...p, maxMs: p.initialMs + extra }));

describe('backoffDelay', () => {
  test.prop([policyArb, fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })])(
    'stays within [base·(1-jitter), base] and never above the cap',
    (policy, attempt, random) => {
      const d = backoffDelay(policy, attempt, random);
      const base = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** (attempt - 1));
      expect(d).toBeLessThanOrEqual(policy.maxMs);
      expect(d).toBeLessThanOrEqual(base + 1e-9);
      expect(d).toBeGreaterThanOrEqual(base * (1 - policy.jitter) - 1e-9);
      expect(d).toBeGreaterThanOrEqual(0);
    },
  );

  test.prop([policyArb, fc.integer({ min: 1, max: 200 })])('without randomness, never shrinks as attempts grow', (policy, attempt) => {
    expect(backoffDelay(policy, attempt + 1, 0)).toBeGreaterThanOrEqual(backoffDelay(policy, attempt, 0));
  });

  it('refuses a policy that makes no sense', () => {
    expect(() => backoffPolicy({ initialMs: 0 })).toThrow(/initialMs/);
    expect(() => backoffPolicy({ initialMs: 100, maxMs: 10 })).toThrow(/maxMs/);
    expect(() => backoffPolicy({ jitter: 2 })).toThrow(/jitter/);
  });
});

describe('retry', () => {
  const fast = backoffPolicy({ initialMs: 1, maxMs: 2, maxAttempts: 4 });

  it('retries retryable errors up to maxAttempts, then throws the last one', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error(`boom ${calls}`);
        },
        { policy: fast, retryable: () => true },
      ),
    ).rejects.toThrow('boom 4');
    expect(calls).toBe(4);
  });

  it('stops at once on a non-retryable error or a programming error', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('permanent');
        },
        { policy: fast, retryable: () => false },
      ),
    ).rejects.toThrow('permanent');
    await expect(
      retry(
        async () => {
          calls++;
          throw new TypeError('bug');
        },
        { policy: fast, retryable: () => true },
      ),
    ).rejects.toThrow('bug');
    expect(calls).toBe(2);
  });

  it('returns the first success', async () => {
    let calls = 0;
    const v = await retry(async () => (++calls < 3 ? Promise.reject(new Error('flaky')) : 'ok'), { policy: fast, retryable: () => true });
    expect(v).toBe('ok');
    expect(calls).toBe(3);
  });
});
