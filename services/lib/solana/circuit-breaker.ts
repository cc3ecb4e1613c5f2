// A circuit breaker per RPC endpoint, as plain state and pure transitions: after `threshold`
// consecutive failures the endpoint is skipped for `openMs`; then one trial call decides.

export type BreakerState = { kind: 'closed'; failures: number } | { kind: 'open'; until: number } | { kind: 'half_open' };

export interface BreakerPolicy {
  threshold: number;
  openMs: number;
}

export const closedBreaker = (): BreakerState => ({ kind: 'closed', failures: 0 });

/** Whether a call may go to this endpoint now (an expired open breaker lets one trial through). */
export function breakerAllows(s: BreakerState, now: number): boolean {
  return s.kind !== 'open' || now >= s.until;
}

/** The state once a call is started at `now`. */
export function breakerOnStart(s: BreakerState, now: number): BreakerState {
  return s.kind === 'open' && now >= s.until ? { kind: 'half_open' } : s;
}

export function breakerOnSuccess(): BreakerState {
  return closedBreaker();
}

export function breakerOnFailure(s: BreakerState, now: number, p: BreakerPolicy): BreakerState {
  if (s.kind === 'half_open' || s.kind === 'open') return { kind: 'open', until: now + p.openMs };
  const failures = s.failures + 1;
  return failures >= p.threshold ? { kind: 'open', until: now + p.openMs } : { kind: 'closed', failures };
}
