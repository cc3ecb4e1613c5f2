import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';
import { rpcPoolOptions, rpcSpec, rpcUrls, wsSpec, wsUrls } from './rpc-config.ts';

const problems = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('which Solana URLs a service uses', () => {
  it('the single URL alone still works', () => {
    expect(rpcUrls(loadConfig(rpcSpec, { SOLANA_RPC_URL: 'http://a:8899' }))).toEqual(['http://a:8899']);
    expect(wsUrls(loadConfig(wsSpec, { SOLANA_WS_URL: 'ws://a:8900' }))).toEqual(['ws://a:8900']);
  });

  it('the list, in its order, overrides the single URL', () => {
    const rpc = loadConfig(rpcSpec, { SOLANA_RPC_URL: 'http://a:8899', SOLANA_RPC_URLS: 'https://b, http://c:1 ,' });
    expect(rpcUrls(rpc)).toEqual(['https://b', 'http://c:1']);
    expect(rpcPoolOptions(rpc)).toMatchObject({
      urls: ['https://b', 'http://c:1'],
      timeoutMs: 10_000,
      ratePerSecond: 500,
      breaker: { threshold: 5, openMs: 5_000 },
    });
    expect(wsUrls(loadConfig(wsSpec, { SOLANA_WS_URLS: 'ws://a,wss://b' }))).toEqual(['ws://a', 'wss://b']);
  });

  it('neither is a configuration error naming both; a URL of the wrong kind is refused', () => {
    expect(problems(() => loadConfig(rpcSpec, {}))).toEqual([expect.stringMatching(/^SOLANA_RPC_URLS: set it \(or SOLANA_RPC_URL\)/)]);
    expect(problems(() => loadConfig(wsSpec, { SOLANA_WS_URLS: ' , ' }))).toEqual([expect.stringContaining('SOLANA_WS_URLS=" , " is invalid: empty list')]);
    expect(problems(() => loadConfig(wsSpec, { SOLANA_WS_URLS: 'ws://a,http://b' }))).toEqual([
      expect.stringContaining('protocol of http://b must be one of ws:, wss:'),
    ]);
    expect(problems(() => loadConfig(rpcSpec, { SOLANA_RPC_URL: 'not a url' }))).toHaveLength(1);
    expect(() => rpcUrls({ SOLANA_RPC_URL: null, SOLANA_RPC_URLS: [] })).toThrow(ConfigError);
  });
});
