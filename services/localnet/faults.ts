// Injected failures. The state is a plain object so tests, the admin endpoint and the RPC layer
// share one truth; the decisions are small functions over it.

export interface MethodFailure {
  /** How many more calls fail; null fails until cleared. */
  remaining: number | null;
  code: number;
  message: string;
}

export interface FaultState {
  dropNextTransactions: number;
  failures: Map<string, MethodFailure>;
  delaysMs: Map<string, number>;
  slotsStalled: boolean;
  /** WebSocket upgrades are refused until this time (ms since epoch). */
  refuseWebSocketsUntil: number;
}

export function emptyFaults(): FaultState {
  return { dropNextTransactions: 0, failures: new Map(), delaysMs: new Map(), slotsStalled: false, refuseWebSocketsUntil: 0 };
}

/** Consumes one drop if any is armed. */
export function takeDrop(f: FaultState): boolean {
  if (f.dropNextTransactions <= 0) return false;
  f.dropNextTransactions--;
  return true;
}

/** Consumes one failure for `method` if armed; returns the error to answer with. */
export function takeFailure(f: FaultState, method: string): { code: number; message: string } | null {
  const failure = f.failures.get(method) ?? f.failures.get('*');
  if (!failure) return null;
  if (failure.remaining !== null) {
    failure.remaining--;
    if (failure.remaining <= 0) f.failures.delete(f.failures.has(method) ? method : '*');
  }
  return { code: failure.code, message: failure.message };
}

export function delayFor(f: FaultState, method: string): number {
  return f.delaysMs.get(method) ?? f.delaysMs.get('*') ?? 0;
}

export function clearFaults(f: FaultState): void {
  Object.assign(f, emptyFaults());
}
