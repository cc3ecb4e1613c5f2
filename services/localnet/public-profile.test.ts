// The `public` profile through standard clients: what a hosted provider refuses, refused the way
// it refuses it, to @solana/web3.js and to @solana/kit alike.
import { address, createSolanaRpc, createSolanaRpcSubscriptions, isSolanaError } from '@solana/kit';
import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { Keypair } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestLocalnet } from '../../test/support/test-localnet.ts';
import type { Localnet } from './server.ts';
import { PUBLIC_PROVIDER_LIMITS } from './provider-limits.ts';

let net: Localnet;
let conn: Awaited<ReturnType<typeof startTestLocalnet>>['conn'];
beforeAll(async () => ({ net, conn } = await startTestLocalnet({ profile: 'public' })));
afterAll(() => net.stop());

const owner = () => Keypair.generate().publicKey.toBase58();
const EXCLUDED = `${TOKEN_PROGRAM_ID.toBase58()} excluded from account secondary indexes; this RPC method unavailable for key`;

describe('the public profile', () => {
  it('refuses a Token program scan without a mint or owner filter, to web3.js and kit alike, and serves one with', async () => {
    await expect(conn.getProgramAccounts(TOKEN_PROGRAM_ID, { filters: [{ dataSize: 165 }] })).rejects.toThrow(EXCLUDED);
    const rpc = createSolanaRpc(net.rpcUrl);
    const refused = await rpc
      .getProgramAccounts(address(TOKEN_PROGRAM_ID.toBase58()), { encoding: 'base64', filters: [{ dataSize: 165n }] })
      .send()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(isSolanaError(refused)).toBe(true);
    expect((refused as { context: { __code: number } }).context.__code).toBe(-32010);
    const byOwner = await conn.getProgramAccounts(TOKEN_PROGRAM_ID, { filters: [{ dataSize: 165 }, { memcmp: { offset: 32, bytes: owner() } }] });
    expect(byOwner).toEqual([]);
  });

  it('refuses more than 100 keys in one getMultipleAccounts', async () => {
    const rpc = createSolanaRpc(net.rpcUrl);
    const keys = Array.from({ length: 101 }, () => address(owner()));
    await expect(rpc.getMultipleAccounts(keys).send()).rejects.toThrow(/Too many inputs provided; max 100/);
    expect((await rpc.getMultipleAccounts(keys.slice(0, 100)).send()).value).toHaveLength(100);
  });

  it('answers a client past its rate with HTTP 429 and Retry-After, counted per api key', async () => {
    const batch = (n: number) => Array.from({ length: n }, (_, id) => ({ jsonrpc: '2.0', id, method: 'getHealth' }));
    const post = (key: string, n: number) =>
      fetch(`${net.rpcUrl}/?api-key=${key}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch(n)) });
    const over = await post('busy', PUBLIC_PROVIDER_LIMITS.burst + 1);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await post('quiet', 10)).status).toBe(200);
  });

  it('refuses an unfiltered Token programSubscribe and subscriptions past the per-connection cap', async () => {
    const ws = new WebSocket(net.wsUrl);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const answers = new Map<number, { result?: unknown; error?: { code: number; message: string } }>();
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { id?: number; result?: unknown; error?: { code: number; message: string } };
      if (typeof m.id === 'number') answers.set(m.id, m);
    });
    const cap = PUBLIC_PROVIDER_LIMITS.subscriptionsPerConnection;
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'programSubscribe', params: [TOKEN_PROGRAM_ID.toBase58(), { filters: [{ dataSize: 165 }] }] }));
    for (let id = 1; id <= cap + 1; id++) ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'slotSubscribe' }));
    const deadline = Date.now() + 10_000;
    while (answers.size < cap + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(answers.get(0)?.error).toEqual({ code: -32010, message: EXCLUDED });
    expect([...answers.values()].filter((a) => a.result !== undefined)).toHaveLength(cap);
    expect(answers.get(cap + 1)?.error?.message).toMatch(/Too many subscriptions on this connection/);
    ws.close();
    // kit's subscriptions client sees the same refusal.
    const subs = createSolanaRpcSubscriptions(net.wsUrl);
    const abort = new AbortController();
    await expect(
      subs
        .programNotifications(address(TOKEN_PROGRAM_ID.toBase58()), { encoding: 'base64', filters: [{ dataSize: 165n }] })
        .subscribe({ abortSignal: abort.signal }),
    ).rejects.toSatisfy((e: unknown) => isSolanaError(e));
    abort.abort();
  });
});
