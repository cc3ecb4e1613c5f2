// What a hosted RPC provider refuses, for the `public` profile: the limits a platform meets on its
// first day on devnet or mainnet-beta. Pure decisions; the server applies them.
import type { AccountFilter } from './filters.ts';
import { INVALID_PARAMS, RpcError } from './rpc/errors.ts';
import { TOKEN_2022_PROGRAM, TOKEN_PROGRAM } from './token.ts';

/** `default`: a private node that serves anything; `public`: a hosted provider, with its limits. */
export type LocalnetProfile = 'default' | 'public';
export const LOCALNET_PROFILES: readonly LocalnetProfile[] = ['default', 'public'];

/** The code a node answers with for a key excluded from its secondary indexes. */
export const KEY_EXCLUDED_FROM_SECONDARY_INDEXES = -32010;

export interface ProviderLimits {
  /** Programs whose accounts may only be scanned by mint (memcmp at 0) or owner (memcmp at 32). */
  keyedScanPrograms: ReadonlySet<string>;
  /** Keys per getMultipleAccounts. */
  maxMultipleAccounts: number;
  /** Requests per second per client, and the burst a client may spend at once. */
  requestsPerSecond: number;
  burst: number;
  /** Subscriptions one WebSocket connection may hold. */
  subscriptionsPerConnection: number;
}

/** What any node refuses, provider or not. */
export const PRIVATE_NODE_LIMITS: ProviderLimits = {
  keyedScanPrograms: new Set(),
  maxMultipleAccounts: 100,
  requestsPerSecond: Number.POSITIVE_INFINITY,
  burst: Number.POSITIVE_INFINITY,
  subscriptionsPerConnection: Number.POSITIVE_INFINITY,
};

export const PUBLIC_PROVIDER_LIMITS: ProviderLimits = {
  keyedScanPrograms: new Set([TOKEN_PROGRAM, TOKEN_2022_PROGRAM]),
  maxMultipleAccounts: 100,
  requestsPerSecond: 500,
  burst: 1_000,
  subscriptionsPerConnection: 1_000,
};

/** A 32-byte memcmp at a token account's mint (0) or owner (32): what a provider's index serves. */
const keyed = (f: AccountFilter) => f.kind === 'memcmp' && (f.offset === 0 || f.offset === 32) && f.bytes.length === 32;

/**
 * getProgramAccounts and programSubscribe over a guarded program are refused unless a filter
 * names a mint or an owner, with the error a node gives for a key it excludes from its indexes.
 */
export function scanRefusal(limits: ProviderLimits, program: string, filters: readonly AccountFilter[]): RpcError | null {
  if (!limits.keyedScanPrograms.has(program) || filters.some(keyed)) return null;
  return new RpcError(KEY_EXCLUDED_FROM_SECONDARY_INDEXES, `${program} excluded from account secondary indexes; this RPC method unavailable for key`);
}

export function multipleAccountsRefusal(limits: ProviderLimits, keys: number): RpcError | null {
  return keys > limits.maxMultipleAccounts ? new RpcError(INVALID_PARAMS, `Too many inputs provided; max ${limits.maxMultipleAccounts}`) : null;
}

export function subscriptionRefusal(limits: ProviderLimits, held: number): RpcError | null {
  return held >= limits.subscriptionsPerConnection
    ? new RpcError(-32000, `Too many subscriptions on this connection; max ${limits.subscriptionsPerConnection}`)
    : null;
}

/**
 * A token bucket per client (a provider keys it by API key; here the URL's `api-key` query
 * parameter, else the remote address). `take` answers how long to wait, in whole seconds for a
 * Retry-After header, when the client is past its rate; 0 when the request may go.
 */
export class ClientRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limits: Pick<ProviderLimits, 'requestsPerSecond' | 'burst'>) {}

  take(client: string, now: number, cost = 1): number {
    const { requestsPerSecond: rate, burst } = this.limits;
    const b = this.buckets.get(client) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    this.buckets.set(client, b);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil((cost - b.tokens) / rate));
  }
}

/** The client a request counts against: its `api-key` query parameter, else its address. */
export function clientOf(url: string | undefined, remoteAddress: string | undefined): string {
  const key = new URL(url ?? '/', 'http://localnet').searchParams.get('api-key');
  return key ? `key:${key}` : `addr:${remoteAddress ?? 'unknown'}`;
}
