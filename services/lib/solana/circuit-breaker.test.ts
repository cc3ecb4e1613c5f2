import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { breakerAllows, breakerOnFailure, breakerOnStart, breakerOnSuccess, closedBreaker, type BreakerState } from './circuit-breaker.ts';

const policy = { threshold: 3, openMs: 1_000 };

describe('circuit breaker', () => {
  test.prop([fc.array(fc.boolean(), { maxLength: 50 })])('opens exactly after `threshold` consecutive failures, and a success closes it', (outcomes) => {
    let s: BreakerState = closedBreaker();
    let streak = 0;
    let t = 0;
    for (const ok of outcomes) {
      t += 10;
      s = breakerOnStart(s, t);
      s = ok ? breakerOnSuccess() : breakerOnFailure(s, t, policy);
      streak = ok ? 0 : streak + 1;
      expect(s.kind === 'open').toBe(streak >= policy.threshold);
    }
  });

  test.prop([fc.integer({ min: 0, max: 5_000 })])('an open breaker refuses until openMs has passed, then lets one trial through', (dt) => {
    const open = breakerOnFailure({ kind: 'half_open' }, 0, policy);
    expect(breakerAllows(open, dt)).toBe(dt >= policy.openMs);
    if (dt >= policy.openMs) expect(breakerOnFailure(breakerOnStart(open, dt), dt, policy)).toEqual({ kind: 'open', until: dt + policy.openMs });
  });
});
