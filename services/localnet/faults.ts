// Injected failures. The state is a plain object so tests, the admin endpoint and the RPC layer
// share one truth; the decisions are small functions over it.

export interface MethodFailure {
  /** How many more calls fail; null fails until cleared. */
  remaining: number | null;
  code: number;
  message: string;
}

export interface MethodRateLimit {
  /** How many more requests are refused; null refuses until cleared. */
  remaining: number | null;
  retryAfterSeconds: number;
  /** Retry-After as an HTTP-date rather than a number of seconds (both forms are standard). */
  httpDate: boolean;
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
  /** Requests naming these methods are answered HTTP 429 with a Retry-After header. */
  rateLimits: Map<string, MethodRateLimit>;
  delaysMs: Map<string, number>;
  slotsStalled: boolean;
  /** WebSocket upgrades are refused until this time (ms since epoch). */
  refuseWebSocketsUntil: number;
  /**
   * Congestion: the priority-fee level (micro-lamports per compute unit) a transaction must pay
   * to land; one paying less is accepted and never lands. 0: no congestion.
   */
  congestionMicroLamports: bigint;
}

export function emptyFaults(): FaultState {
  return {
    dropNextTransactions: 0,
    dropTouching: new Map(),
    failures: new Map(),
    rateLimits: new Map(),
    delaysMs: new Map(),
    slotsStalled: false,
    refuseWebSocketsUntil: 0,
    congestionMicroLamports: 0n,
  };
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

/**
 * Consumes one refusal if any of a request's methods (one, or a batch's) is rate limited; returns
 * the Retry-After header to answer HTTP 429 with. A batch is refused whole, as providers do.
 */
export function takeRateLimit(f: FaultState, methods: readonly string[], now: number): string | null {
  const method = methods.find((m) => f.rateLimits.has(m)) ?? (f.rateLimits.has('*') && methods.length > 0 ? '*' : undefined);
  const limit = method === undefined ? undefined : f.rateLimits.get(method);
  if (method === undefined || !limit) return null;
  if (limit.remaining !== null && --limit.remaining <= 0) f.rateLimits.delete(method);
  return limit.httpDate ? new Date(now + limit.retryAfterSeconds * 1000).toUTCString() : String(limit.retryAfterSeconds);
}

export function delayFor(f: FaultState, method: string): number {
  return f.delaysMs.get(method) ?? f.delaysMs.get('*') ?? 0;
}

export function clearFaults(f: FaultState): void {
  Object.assign(f, emptyFaults());
}
