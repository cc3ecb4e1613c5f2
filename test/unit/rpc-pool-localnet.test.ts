// The RPC pool against two real local chains (in-process, each with its own faults): failover,
// the circuit breaker opening and closing, the rate limit, and HTTP 429 with Retry-After. The
// pool's clock is stepped by the test (cool-downs and waits pass without sleeping), so nothing
// here depends on how fast the machine is.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../services/lib/clock.ts';
import { backoffPolicy } from '../../services/lib/retry.ts';
import { RpcFailure, RpcPool, type RpcPoolOptions } from '../../services/lib/solana/rpc-pool.ts';
import type { Localnet } from '../../services/localnet/server.ts';
import { startTestLocalnet } from '../support/test-localnet.ts';

let a: Localnet;
let b: Localnet;
let hashA: string;
let hashB: string;
const pools: RpcPool[] = [];

beforeAll(async () => {
  [a, b] = await Promise.all([startTestLocalnet(), startTestLocalnet()]).then((nets) => nets.map((n) => n.net));
  // Each chain has its own random genesis hash: an answer says which endpoint gave it.
  hashA = a!.chain.state.genesisHash;
  hashB = b!.chain.state.genesisHash;
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});
afterEach(() => {
  a.clearFaults();
  b.clearFaults();
  pools.splice(0).forEach((p) => p.close());
});

/**
 * A clock that moves only when the test steps it or a sleeper wakes: the earliest sleeper first,
 * one per turn of the event loop, so what a woken sleeper does next happens at its wake time.
 */
function steppedClock(start = 1_000_000): Clock & { t: number } {
  const sleepers: Array<{ at: number; wake: () => void }> = [];
  let turn: NodeJS.Immediate | undefined;
  const wakeNext = () => {
    turn = undefined;
    sleepers.sort((x, y) => x.at - y.at);
    const next = sleepers.shift();
    if (!next) return;
    c.t = Math.max(c.t, next.at);
    next.wake();
    if (sleepers.length) turn = setImmediate(wakeNext);
  };
  const c = {
    t: start,
    now: () => c.t,
    sleep: (ms: number) =>
      new Promise<void>((wake) => {
        sleepers.push({ at: c.t + ms, wake });
        turn ??= setImmediate(wakeNext);
      }),
  };
  return c;
}

function pool(urls: string[], opts: Partial<RpcPoolOptions> = {}) {
  const clock = steppedClock();
  const attempts: Array<{ url: string; method: string; at: number }> = [];
  const p = new RpcPool({
    urls,
    clock,
    backoff: backoffPolicy({ initialMs: 1, maxMs: 2, maxAttempts: 5 }),
    onAttempt: (url, method) => attempts.push({ url, method, at: clock.now() }),
    ...opts,
  });
  pools.push(p);
  const genesis = () => p.call('getGenesisHash', (c) => c.getGenesisHash());
  const urlsTried = () => attempts.map((x) => x.url);
  return { pool: p, clock, attempts, genesis, urlsTried };
}

type Counted = Record<string, { remaining: number | null } | undefined>;
const faults = (net: Localnet) => (net.describe() as { faults: { failMethods: Counted; rateLimitMethods: Counted } }).faults;

describe('failover', () => {
  it('a method failing on the first endpoint is answered by the second, in the same call', async () => {
    a.failMethod('getGenesisHash', { count: 1 });
    const p = pool([a.rpcUrl, b.rpcUrl]);
    expect(await p.genesis()).toBe(hashB);
    expect(p.urlsTried()).toEqual([a.rpcUrl, b.rpcUrl]);
    // The first endpoint really answered the failure (its one counted fault is used up).
    expect(faults(a).failMethods).toEqual({});
    // One failure does not open its circuit: the next call starts there again.
    expect(await p.genesis()).toBe(hashA);
  });

  it('an endpoint that refuses connections is failed over for web3.js calls too (getLatestBlockhash wraps the refusal in its message)', async () => {
    const p = pool(['http://127.0.0.1:1', b.rpcUrl]);
    const { blockhash } = await p.pool.call('getLatestBlockhash', (c) => c.getLatestBlockhash());
    expect(blockhash).toBe(b.chain.tip().blockhash);
    expect(p.urlsTried()).toEqual(['http://127.0.0.1:1', b.rpcUrl]);
  });

  it('raw JSON-RPC requests fail over the same way', async () => {
    a.failMethod('getSlot', { count: 1 });
    b.advanceSlots(1000);
    const p = pool([a.rpcUrl, b.rpcUrl]);
    expect(await p.pool.request('getSlot', [{ commitment: 'processed' }])).toBe(b.chain.tip().slot);
    expect(p.urlsTried()).toEqual([a.rpcUrl, b.rpcUrl]);
  });

  it('a failure that asking again cannot mend comes out classified, and is not sent elsewhere', async () => {
    a.failMethod('getGenesisHash', { count: 1, code: -32602, message: 'Invalid params (injected)' });
    const p = pool([a.rpcUrl, b.rpcUrl]);
    const err = await p.genesis().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcFailure);
    expect(err).toMatchObject({ retryable: false, classification: { kind: 'invalid_input' }, context: { endpoint: a.rpcUrl, method: 'getGenesisHash' } });
    expect(p.urlsTried()).toEqual([a.rpcUrl]);
  });
});

describe('circuit breaker', () => {
  it('opens after `threshold` failures in a row, skips the endpoint while open, and closes after a successful trial once the cool-down passed', async () => {
    a.failMethod('getGenesisHash', { count: 1_000 });
    const p = pool([a.rpcUrl, b.rpcUrl], { breaker: { threshold: 2, openMs: 10_000 } });
    const failuresServedByA = () => 1_000 - (faults(a).failMethods.getGenesisHash?.remaining ?? 1_000);

    expect([await p.genesis(), await p.genesis()]).toEqual([hashB, hashB]);
    expect(failuresServedByA()).toBe(2);
    expect(p.pool.state()[0]!.breaker).toEqual({ kind: 'open', until: p.clock.now() + 10_000 });

    // Open: the first endpoint is not asked at all.
    expect(await p.genesis()).toBe(hashB);
    expect(failuresServedByA()).toBe(2);
    expect(p.urlsTried().slice(-1)).toEqual([b.rpcUrl]);

    // Cool-down over, still failing: one trial call, and the circuit opens again at once.
    p.clock.t += 10_000;
    expect(await p.genesis()).toBe(hashB);
    expect(failuresServedByA()).toBe(3);
    expect(p.pool.state()[0]!.breaker.kind).toBe('open');

    // Mended: after the next cool-down the trial succeeds and the circuit closes.
    a.failMethod('getGenesisHash', null);
    p.clock.t += 10_000;
    expect(await p.genesis()).toBe(hashA);
    expect(p.pool.state()[0]!.breaker).toEqual({ kind: 'closed', failures: 0 });
    expect(await p.genesis()).toBe(hashA);
  });
});

describe('rate limit', () => {
  it('spaces calls beyond the burst: in any second of the pool clock, at most burst + rate requests leave', async () => {
    const rate = 5;
    const p = pool([a.rpcUrl], { ratePerSecond: rate });
    const start = p.clock.now();
    await Promise.all(Array.from({ length: 25 }, () => p.pool.call('getSlot', (c) => c.getSlot())));
    const times = p.attempts.map((x) => x.at).sort((x, y) => x - y);
    expect(times).toHaveLength(25);
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1_000).length).toBeLessThanOrEqual(rate + rate);
    // The burst went at once; the other 20 waited for tokens at `rate` per second.
    expect(times.filter((t) => t === start)).toHaveLength(rate);
    expect(times.at(-1)! - start).toBeGreaterThanOrEqual(((25 - rate) / rate) * 1_000);
  });
});

describe('HTTP 429 with Retry-After', () => {
  it('a lone endpoint is not asked again before its Retry-After (seconds) has passed, and its circuit stays closed', async () => {
    a.rateLimitMethod('getGenesisHash', { count: 1, retryAfterSeconds: 5 });
    const p = pool([a.rpcUrl]);
    const start = p.clock.now();
    expect(await p.genesis()).toBe(hashA);
    expect(p.attempts.map((x) => x.at - start)).toEqual([0, 5_000]);
    expect(p.pool.state()[0]!.breaker).toEqual({ kind: 'closed', failures: 0 });
  });

  it('reads Retry-After as an HTTP-date too', async () => {
    a.rateLimitMethod('getGenesisHash', { count: 1, retryAfterSeconds: 30, httpDate: true });
    const p = pool([a.rpcUrl]);
    p.clock.t = Date.now();
    const start = p.clock.now();
    expect(await p.genesis()).toBe(hashA);
    const [, second] = p.attempts;
    const notBefore = p.pool.state()[0]!.notBefore;
    // The date has whole seconds and was written after `start`: at least 29 s later.
    expect(notBefore).toBeGreaterThanOrEqual(start + 29_000);
    expect(second!.at).toBeGreaterThanOrEqual(notBefore);
  });

  it('fails over while the first endpoint asked to wait, and comes back to it afterwards', async () => {
    a.rateLimitMethod('getGenesisHash', { retryAfterSeconds: 60 });
    const p = pool([a.rpcUrl, b.rpcUrl]);
    expect(await p.genesis()).toBe(hashB);
    expect(await p.genesis()).toBe(hashB);
    expect(p.urlsTried()).toEqual([a.rpcUrl, b.rpcUrl, b.rpcUrl]);
    a.rateLimitMethod('getGenesisHash', null);
    p.clock.t += 60_000;
    expect(await p.genesis()).toBe(hashA);
  });

  it('when every endpoint asks for longer than the pool may wait, the call fails retryable without asking them again', async () => {
    a.rateLimitMethod('getGenesisHash', { count: 10, retryAfterSeconds: 600 });
    const p = pool([a.rpcUrl], { maxRetryAfterMs: 30_000 });
    const err = await p.genesis().catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true, message: expect.stringContaining('Retry-After') });
    expect(p.urlsTried()).toEqual([a.rpcUrl]);
    expect(faults(a).rateLimitMethods.getGenesisHash!.remaining).toBe(9);
  });
});
