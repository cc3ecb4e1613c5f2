// The Solana endpoints and RPC client settings, declared once for every service, and the one rule
// for which URLs a service uses: the list when given, else the single URL.
import { ConfigError, int, type ConfigOf, type Setting, type Spec } from '../config.ts';
import type { RpcPoolOptions } from './rpc-pool.ts';

function checkedUrl(raw: string, protocols: readonly string[]): string {
  const u = new URL(raw);
  if (!protocols.includes(u.protocol)) throw new Error(`protocol of ${raw} must be one of ${protocols.join(', ')}`);
  return raw;
}

const oneUrl = (description: string, protocols: readonly string[]): Setting<string | null> => ({
  description,
  default: null,
  parse: (raw) => checkedUrl(raw.trim(), protocols),
});

/** A comma-separated list of URLs; with `single`, the list or that one setting must be given. */
const urlList = (description: string, protocols: readonly string[], single: string): Setting<string[]> => ({
  description,
  default: [],
  parse: (raw) => {
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0) throw new Error('empty list');
    return items.map((u) => checkedUrl(u, protocols));
  },
  check: (c) => ((c[single] as string | null) || (c as Record<string, string[]>)[`${single}S`]?.length ? undefined : `set it (or ${single}): ${description}`),
});

export const rpcSpec = {
  SOLANA_RPC_URL: oneUrl('Solana JSON-RPC endpoint (this or SOLANA_RPC_URLS is required)', ['http:', 'https:']),
  SOLANA_RPC_URLS: urlList('comma-separated Solana JSON-RPC endpoints in failover order (overrides SOLANA_RPC_URL)', ['http:', 'https:'], 'SOLANA_RPC_URL'),
  RPC_TIMEOUT_MS: int('timeout of one RPC request', 10_000, 100, 120_000),
  RPC_SCAN_TIMEOUT_MS: int('timeout of one getProgramAccounts over the whole Token program (its answer can be many MB)', 120_000, 1_000, 3_600_000),
  RPC_RATE_LIMIT: int('RPC requests per second across all endpoints', 500, 1, 100_000),
  RPC_BREAKER_THRESHOLD: int('consecutive failures that open an endpoint circuit', 5, 1, 1_000),
  RPC_BREAKER_OPEN_MS: int('how long an open circuit skips its endpoint', 5_000, 100, 600_000),
} satisfies Spec;

/** For the services that subscribe over WebSocket. */
export const wsSpec = {
  SOLANA_WS_URL: oneUrl('Solana PubSub WebSocket endpoint (this or SOLANA_WS_URLS is required)', ['ws:', 'wss:']),
  SOLANA_WS_URLS: urlList(
    'comma-separated Solana PubSub WebSocket endpoints, tried in this order, the next one after each failure (overrides SOLANA_WS_URL)',
    ['ws:', 'wss:'],
    'SOLANA_WS_URL',
  ),
} satisfies Spec;

export type RpcSettings = ConfigOf<typeof rpcSpec>;
export type WsSettings = ConfigOf<typeof wsSpec>;

function pick(list: string[], single: string | null, name: string): string[] {
  if (list.length) return list;
  if (single) return [single];
  throw new ConfigError([`${name} or ${name}S is required`]);
}

export const rpcUrls = (c: Pick<RpcSettings, 'SOLANA_RPC_URL' | 'SOLANA_RPC_URLS'>): string[] => pick(c.SOLANA_RPC_URLS, c.SOLANA_RPC_URL, 'SOLANA_RPC_URL');
export const wsUrls = (c: Pick<WsSettings, 'SOLANA_WS_URL' | 'SOLANA_WS_URLS'>): string[] => pick(c.SOLANA_WS_URLS, c.SOLANA_WS_URL, 'SOLANA_WS_URL');

/** The pool as the settings describe it; a service adds its metrics hooks. */
export const rpcPoolOptions = (c: RpcSettings): RpcPoolOptions => ({
  urls: rpcUrls(c),
  timeoutMs: c.RPC_TIMEOUT_MS,
  ratePerSecond: c.RPC_RATE_LIMIT,
  breaker: { threshold: c.RPC_BREAKER_THRESHOLD, openMs: c.RPC_BREAKER_OPEN_MS },
});
