// Which endpoint an RPC attempt goes to, as a pure choice over each endpoint's state: failover
// in the configured order, skipping endpoints whose circuit is open or that asked us (HTTP 429
// with Retry-After) to stay away until later.
import { breakerAllows, type BreakerState } from './circuit-breaker.ts';

export interface EndpointState {
  breaker: BreakerState;
  /** No request before this time (ms): the end of the last Retry-After. */
  notBefore: number;
}

export interface Choice {
  index: number;
  /** How long to wait before sending: > 0 only when every endpoint is asked to wait. */
  waitMs: number;
}

const usable = (e: EndpointState, now: number) => breakerAllows(e.breaker, now) && e.notBefore <= now;
const availableAt = (e: EndpointState) => Math.max(e.breaker.kind === 'open' ? e.breaker.until : 0, e.notBefore);

/**
 * The first usable endpoint this call has not tried yet (so a retry fails over at once), else the
 * first usable one; when none is usable, the one available soonest, after its Retry-After (an
 * open circuit alone is no reason to wait: the call may as well try it).
 */
export function chooseEndpoint(endpoints: readonly EndpointState[], tried: ReadonlySet<number>, now: number): Choice {
  if (endpoints.length === 0) throw new RangeError('no endpoints to choose from');
  const order = endpoints.map((_, i) => i);
  const fresh = order.find((i) => usable(endpoints[i]!, now) && !tried.has(i));
  if (fresh !== undefined) return { index: fresh, waitMs: 0 };
  const any = order.find((i) => usable(endpoints[i]!, now));
  if (any !== undefined) return { index: any, waitMs: 0 };
  const soonest = order.reduce((best, i) => (availableAt(endpoints[i]!) < availableAt(endpoints[best]!) ? i : best));
  return { index: soonest, waitMs: Math.max(0, endpoints[soonest]!.notBefore - now) };
}
