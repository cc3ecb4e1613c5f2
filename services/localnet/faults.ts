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
  /**
   * Transactions naming one of these accounts are accepted and forgotten: how many more per
   * account (null: until cleared). Scoped to an account so a test can lose its own transactions
   * while the same chain keeps landing everybody else's.
   */
  dropTouching: Map<string, number | null>;
  failures: Map<string, MethodFailure>;
  delaysMs: Map<string, number>;
  slotsStalled: boolean;
  /** WebSocket upgrades are refused until this time (ms since epoch). */
  refuseWebSocketsUntil: number;
}

export function emptyFaults(): FaultState {
  return { dropNextTransactions: 0, dropTouching: new Map(), failures: new Map(), delaysMs: new Map(), slotsStalled: false, refuseWebSocketsUntil: 0 };
}

/** Arms (count > 0 or null: until cleared) or clears (count 0) the drop of transactions naming `account`. */
export function setDropTouching(f: FaultState, account: string, count: number | null): void {
  if (count === 0) f.dropTouching.delete(account);
  else f.dropTouching.set(account, count);
}

/**
 * Consumes one drop if any applies to a transaction naming `accountKeys`. A scoped drop is taken
 * first, so a transaction it catches does not also use up a global one.
 */
export function takeDrop(f: FaultState, accountKeys: readonly string[] = []): boolean {
  for (const key of accountKeys) {
    if (!f.dropTouching.has(key)) continue;
    const left = f.dropTouching.get(key)!;
    if (left !== null) setDropTouching(f, key, left - 1);
    return true;
  }
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
