import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { RateLimiter } from './rate-limit.ts';

/** A clock that only moves when told to, or when a sleeper is woken. */
const steppedClock = () => {
  const c = { t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
  return c;
};

describe('RateLimiter', () => {
  test.prop([fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), fc.array(fc.nat({ max: 400 }), { minLength: 1, maxLength: 200 })])(
    'in any window of W ms it grants at most burst + perSecond·W/1000 tokens, however the calls are spread',
    (perSecond, burst, gaps) => {
      const clock = steppedClock();
      const limiter = new RateLimiter(perSecond, burst, clock);
      const granted: number[] = [];
      for (const gap of gaps) {
        clock.t += gap;
        if (limiter.tryTake() === 0) granted.push(clock.t);
      }
      for (const [i, start] of granted.entries()) {
        for (const windowMs of [1, 100, 1000, 5000]) {
          const inWindow = granted.slice(i).filter((t) => t < start + windowMs).length;
          expect(inWindow).toBeLessThanOrEqual(burst + (perSecond * windowMs) / 1000 + 1e-9);
        }
      }
    },
  );

  test.prop([fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 100 })])(
    'take() waits exactly until a token is there: n calls past the burst span (n - burst)/perSecond seconds',
    async (perSecond, burst, n) => {
      const clock = steppedClock();
      const limiter = new RateLimiter(perSecond, burst, clock);
      for (let i = 0; i < n; i++) await limiter.take();
      const spanMs = clock.t;
      const needed = (Math.max(0, n - burst) / perSecond) * 1000;
      expect(spanMs).toBeGreaterThanOrEqual(needed - 1e-6);
      // ceil() of each wait may add under a millisecond per call, never a whole token's time.
      expect(spanMs).toBeLessThanOrEqual(needed + Math.max(0, n - burst) + 1e-6);
    },
  );
});
