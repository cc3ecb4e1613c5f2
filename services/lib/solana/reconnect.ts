// Where and when a dropped WebSocket dials again: the next endpoint in the list (so a failing one
// is left at once for the others), after an exponential backoff with jitter (retry.ts's
// backoffDelay, the one formula). Pure: the loop that uses it is in subscriptions.ts.
import { backoffDelay, backoffPolicy, type BackoffPolicy } from '../retry.ts';

export interface ReconnectState {
  /** The endpoint last dialled. */
  index: number;
  /** Failures in a row: dials that did not open, or sockets that dropped before `stableMs`. */
  failures: number;
}

export const WS_BACKOFF: BackoffPolicy = backoffPolicy({ initialMs: 250, maxMs: 10_000, multiplier: 2, jitter: 0.5 });
/** A socket up this long had been working: its drop starts the backoff afresh. */
export const WS_STABLE_MS = 30_000;

export const initialReconnect = (): ReconnectState => ({ index: 0, failures: 0 });

/**
 * After the socket to `s.index` closed (having been up `upForMs`, or null if it never opened):
 * the next endpoint, and how long to wait first. `random` is in [0, 1).
 */
export function nextReconnect(
  s: ReconnectState,
  endpoints: number,
  upForMs: number | null,
  random: number,
  policy: BackoffPolicy = WS_BACKOFF,
  stableMs = WS_STABLE_MS,
): { state: ReconnectState; delayMs: number } {
  if (!(endpoints >= 1)) throw new RangeError('no WebSocket endpoints');
  const failures = upForMs !== null && upForMs >= stableMs ? 1 : s.failures + 1;
  return { state: { index: (s.index + 1) % endpoints, failures }, delayMs: backoffDelay(policy, failures, random) };
}
