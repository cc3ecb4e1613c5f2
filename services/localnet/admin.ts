// The admin endpoint: the fault and seeding API over HTTP, for the stack and for tests that run
// the chain in another process. Bodies are JSON; every answer is JSON.
import { MAX_BACKGROUND_TPS } from './background-load.ts';
import type { ConfirmedFork } from './chain.ts';
import type { NftHolding, SeededHolding } from './seed.ts';

export interface MethodFailureSpec {
  count?: number;
  code?: number;
  message?: string;
}

export interface RateLimitSpec {
  /** Requests refused before the method answers again (left out: until cleared). */
  count?: number;
  /** Default 1. */
  retryAfterSeconds?: number;
  /** Send Retry-After as an HTTP-date instead of seconds. */
  httpDate?: boolean;
}

/** The subset of the server's API the admin endpoint exposes. */
export interface AdminApi {
  dropNextTransactions(n: number): void;
  /** Drops transactions naming `account`: `count` more (null: until cleared; 0 clears). */
  dropTransactionsTouching(account: string, count: number | null): void;
  failMethod(method: string, spec?: MethodFailureSpec | null): void;
  /** Answers requests naming `method` ('*': any) with HTTP 429 and Retry-After; null clears. */
  rateLimitMethod(method: string, spec: RateLimitSpec | null): void;
  delayMethod(method: string, ms: number): void;
  stallSlots(stalled: boolean): void;
  /** The priority-fee level below which transactions are accepted and never land; 0 ends congestion. */
  congest(microLamports: bigint): void;
  /**
   * Other people's transactions per second from the next slot (background-load.ts); 0 stops them.
   * Optional: an API over fault state alone (the chaos campaign's tests) has no traffic to set.
   */
  setBackgroundTps?(tps: number): void;
  closeWebSockets(opts?: { refuseMs?: number }): number;
  fork(): number[];
  /** Abandons the blocks above the root, dropping the transactions that name `account`. */
  abandonConfirmed(account: string): ConfirmedFork;
  clearFaults(): void;
  advanceSlots(n: number): { slot: number; height: number };
  seedNftHoldings(holdings: readonly NftHolding[]): SeededHolding[];
  saveSnapshot(): string | null;
  describe(): unknown;
}

export class AdminError extends Error {}

const isInt = (v: unknown, min = 0): v is number => Number.isInteger(v) && (v as number) >= min;

const BASE58_KEY = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;

/**
 * `dropTransactions`: a count drops the next transactions whoever sent them; `{ account, count? }`
 * drops only those naming the account (until cleared, or `count` of them; count 0 clears), so
 * parallel users of one chain do not lose each other's transactions.
 */
function applyDrop(api: AdminApi, spec: unknown): void {
  if (isInt(spec)) return api.dropNextTransactions(spec);
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new AdminError('dropTransactions must be a non-negative integer or { account, count? }');
  }
  const { account, count, ...rest } = spec as Record<string, unknown>;
  if (Object.keys(rest).length) throw new AdminError(`unknown dropTransactions field ${Object.keys(rest)[0]}`);
  if (typeof account !== 'string' || !BASE58_KEY.test(account)) throw new AdminError('dropTransactions.account must be a base58 address');
  if (count !== undefined && count !== null && !isInt(count)) throw new AdminError('dropTransactions.count must be a non-negative integer or null');
  api.dropTransactionsTouching(account, count ?? null);
}

/**
 * `fork: true` abandons the unconfirmed blocks; `fork: { abandonConfirmedWith }` abandons every
 * block above the root, losing only the transactions that name that account.
 */
function applyDeepFork(api: AdminApi, spec: unknown): ConfirmedFork {
  const { abandonConfirmedWith: account, ...rest } = (typeof spec === 'object' && spec !== null && !Array.isArray(spec) ? spec : { bad: spec }) as Record<
    string,
    unknown
  >;
  if (Object.keys(rest).length) throw new AdminError('fork must be true or { abandonConfirmedWith: <account address> }');
  if (typeof account !== 'string' || !BASE58_KEY.test(account)) throw new AdminError('fork.abandonConfirmedWith must be a base58 address');
  return api.abandonConfirmed(account);
}

function parseRateLimit(method: string, spec: unknown): RateLimitSpec | null {
  if (spec === null) return null;
  if (typeof spec !== 'object' || Array.isArray(spec)) throw new AdminError(`rateLimitMethods.${method} must be an object or null`);
  const { count, retryAfterSeconds, httpDate, ...rest } = spec as Record<string, unknown>;
  if (Object.keys(rest).length) throw new AdminError(`unknown rateLimitMethods field ${Object.keys(rest)[0]}`);
  if (count !== undefined && !isInt(count, 1)) throw new AdminError(`rateLimitMethods.${method}.count must be a positive integer`);
  if (retryAfterSeconds !== undefined && !isInt(retryAfterSeconds))
    throw new AdminError(`rateLimitMethods.${method}.retryAfterSeconds must be a non-negative integer`);
  if (httpDate !== undefined && typeof httpDate !== 'boolean') throw new AdminError(`rateLimitMethods.${method}.httpDate must be a boolean`);
  return {
    ...(count !== undefined ? { count } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    ...(httpDate !== undefined ? { httpDate } : {}),
  };
}

/** Applies the keys of a POST /admin/faults body in a fixed order; unknown keys are an error. */
export function applyFaults(api: AdminApi, body: Record<string, unknown>): Record<string, unknown> {
  const known = new Set([
    'clear',
    'dropTransactions',
    'failMethods',
    'rateLimitMethods',
    'delayMethods',
    'stallSlots',
    'closeWebSockets',
    'fork',
    'congestion',
    'backgroundTps',
  ]);
  for (const k of Object.keys(body)) if (!known.has(k)) throw new AdminError(`unknown fault ${k}`);
  const out: Record<string, unknown> = { ok: true };
  if (body.clear === true) api.clearFaults();
  if (body.dropTransactions !== undefined) applyDrop(api, body.dropTransactions);
  if (body.failMethods !== undefined) {
    if (typeof body.failMethods !== 'object' || body.failMethods === null) throw new AdminError('failMethods must be an object');
    for (const [m, spec] of Object.entries(body.failMethods)) api.failMethod(m, spec as MethodFailureSpec | null);
  }
  if (body.rateLimitMethods !== undefined) {
    if (typeof body.rateLimitMethods !== 'object' || body.rateLimitMethods === null || Array.isArray(body.rateLimitMethods))
      throw new AdminError('rateLimitMethods must be an object');
    const specs = Object.entries(body.rateLimitMethods).map(([m, spec]) => [m, parseRateLimit(m, spec)] as const);
    for (const [m, spec] of specs) api.rateLimitMethod(m, spec);
  }
  if (body.delayMethods !== undefined) {
    if (typeof body.delayMethods !== 'object' || body.delayMethods === null) throw new AdminError('delayMethods must be an object');
    for (const [m, ms] of Object.entries(body.delayMethods)) {
      if (!isInt(ms)) throw new AdminError(`delay for ${m} must be a non-negative integer`);
      api.delayMethod(m, ms);
    }
  }
  if (body.stallSlots !== undefined) {
    if (typeof body.stallSlots !== 'boolean') throw new AdminError('stallSlots must be a boolean');
    api.stallSlots(body.stallSlots);
  }
  if (body.congestion !== undefined) {
    // `{ microLamports }` sets the level (a number or a decimal string, for values past 2^53); null or false ends it.
    const level = body.congestion === null || body.congestion === false ? 0 : (body.congestion as { microLamports?: unknown }).microLamports;
    if (!(isInt(level) || (typeof level === 'string' && /^\d+$/.test(level))))
      throw new AdminError('congestion must be { microLamports: <non-negative integer> } or null');
    api.congest(BigInt(level));
  }
  if (body.backgroundTps !== undefined) {
    // Not a fault but the cluster's own traffic: `clear` leaves it as it is.
    if (!isInt(body.backgroundTps) || body.backgroundTps > MAX_BACKGROUND_TPS) {
      throw new AdminError(`backgroundTps must be an integer in 0..${MAX_BACKGROUND_TPS} (transactions per second)`);
    }
    if (!api.setBackgroundTps) throw new AdminError('this chain has no background load');
    api.setBackgroundTps(body.backgroundTps);
  }
  if (body.closeWebSockets !== undefined) {
    const spec = (typeof body.closeWebSockets === 'object' && body.closeWebSockets !== null ? body.closeWebSockets : {}) as {
      refuseMs?: unknown;
    };
    if (spec.refuseMs !== undefined && !isInt(spec.refuseMs)) throw new AdminError('refuseMs must be a non-negative integer');
    out.closedWebSockets = api.closeWebSockets(spec.refuseMs === undefined ? {} : { refuseMs: spec.refuseMs });
  }
  if (body.fork === true) out.abandonedSlots = api.fork();
  else if (body.fork !== undefined && body.fork !== false) Object.assign(out, applyDeepFork(api, body.fork));
  return out;
}

export function handleAdmin(api: AdminApi, method: string, path: string, body: unknown): unknown {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (method === 'GET' && path === '/admin/state') return api.describe();
  if (method !== 'POST') throw new AdminError(`${method} ${path} not supported`);
  switch (path) {
    case '/admin/faults':
      return applyFaults(api, b);
    case '/admin/advance': {
      const n = b.slots ?? 1;
      if (!isInt(n, 1) || n > 100_000) throw new AdminError('slots must be an integer in 1..100000');
      return api.advanceSlots(n);
    }
    case '/admin/seed': {
      if (!Array.isArray(b.holdings)) throw new AdminError('holdings must be an array of {mint, owner, tokenAccount?}');
      return { seeded: api.seedNftHoldings(b.holdings as NftHolding[]) };
    }
    case '/admin/snapshot':
      return { path: api.saveSnapshot() };
    default:
      throw new AdminError(`unknown admin path ${path}`);
  }
}
