import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { breakerAllows, type BreakerState } from './circuit-breaker.ts';
import { chooseEndpoint, type EndpointState } from './endpoint-choice.ts';

const NOW = 10_000;
const breakerArb: fc.Arbitrary<BreakerState> = fc.oneof(
  fc.record({ kind: fc.constant('closed' as const), failures: fc.nat(10) }),
  fc.record({ kind: fc.constant('open' as const), until: fc.integer({ min: 0, max: 20_000 }) }),
  fc.constant({ kind: 'half_open' as const }),
);
const endpointArb: fc.Arbitrary<EndpointState> = fc.record({ breaker: breakerArb, notBefore: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20_000 })) });
const setupArb = fc.array(endpointArb, { minLength: 1, maxLength: 5 }).chain((eps) =>
  fc.tuple(
    fc.constant(eps),
    fc.subarray(eps.map((_, i) => i)).map((t) => new Set(t)),
  ),
);

const usable = (e: EndpointState) => breakerAllows(e.breaker, NOW) && e.notBefore <= NOW;

describe('chooseEndpoint', () => {
  test.prop([setupArb])('takes the first usable endpoint not yet tried, in the configured order', ([eps, tried]) => {
    const { index, waitMs } = chooseEndpoint(eps, tried, NOW);
    const fresh = eps.findIndex((e, i) => usable(e) && !tried.has(i));
    if (fresh >= 0) expect({ index, waitMs }).toEqual({ index: fresh, waitMs: 0 });
  });

  test.prop([setupArb])('never sends to an endpoint before its Retry-After has passed, and waits only when it must', ([eps, tried]) => {
    const { index, waitMs } = chooseEndpoint(eps, tried, NOW);
    expect(NOW + waitMs).toBeGreaterThanOrEqual(eps[index]!.notBefore);
    expect(waitMs > 0).toBe(eps.every((e) => !usable(e)) && eps[index]!.notBefore > NOW);
    if (eps.some(usable)) expect(usable(eps[index]!)).toBe(true);
  });

  it('fails over in order: once the first is tried, the second; once all are, the first again', () => {
    const ok = (): EndpointState => ({ breaker: { kind: 'closed', failures: 0 }, notBefore: 0 });
    const eps = [ok(), ok(), ok()];
    expect(chooseEndpoint(eps, new Set(), NOW).index).toBe(0);
    expect(chooseEndpoint(eps, new Set([0]), NOW).index).toBe(1);
    expect(chooseEndpoint(eps, new Set([0, 1, 2]), NOW).index).toBe(0);
  });

  it('when every endpoint is cooling down, waits for the one free soonest', () => {
    const eps: EndpointState[] = [
      { breaker: { kind: 'closed', failures: 0 }, notBefore: NOW + 5_000 },
      { breaker: { kind: 'closed', failures: 0 }, notBefore: NOW + 2_000 },
      { breaker: { kind: 'open', until: NOW + 9_000 }, notBefore: 0 },
    ];
    expect(chooseEndpoint(eps, new Set(), NOW)).toEqual({ index: 1, waitMs: 2_000 });
  });
});
