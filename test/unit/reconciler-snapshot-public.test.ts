// The reconciler's snapshot on a chain that answers as a hosted provider does (the local chain's
// public profile): auto's one Token-program scan is refused, the run reads its tracked mints in
// chunks, and later runs do not ask again, so the cost follows the tracked mints.
import { Keypair } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcPool } from '../../services/lib/solana/rpc-pool.ts';
import type { Localnet } from '../../services/localnet/server.ts';
import { rpcHolderSnapshotReader, snapshotChain, type ScanMemory, type TrackedMint } from '../../services/reconciler/snapshot.ts';
import { fundedKeypair, mintNft, startTestLocalnet } from '../support/test-localnet.ts';

let net: Localnet;
let conn: Awaited<ReturnType<typeof startTestLocalnet>>['conn'];
beforeAll(async () => ({ net, conn } = await startTestLocalnet({ profile: 'public' })));
afterAll(() => net.stop());

describe('snapshot on a hosted provider', () => {
  it('auto reads the tracked mints in chunks after the provider refused the scan once, and never asks again', async () => {
    const payer = await fundedKeypair(net, conn);
    const holders = [Keypair.generate().publicKey, Keypair.generate().publicKey];
    const minted = [];
    for (const h of holders) minted.push({ ...(await mintNft(net, conn, payer, h)), owner: h.toBase58() });
    net.advanceSlots(3);
    const tracked: TrackedMint[] = minted.map((m) => ({ mint: m.mint.toBase58(), tokenAccount: null, dbOwner: m.owner }));

    const methods: string[] = [];
    const reader = rpcHolderSnapshotReader(new RpcPool({ urls: [net.rpcUrl], onAttempt: (_url, method) => void methods.push(method) }));
    const memory: ScanMemory = {};
    const opts = { chunkKeys: 100, concurrency: 2, deadline: Date.now() + 60_000, strategy: 'auto' as const, memory };

    const first = await snapshotChain(reader, tracked, opts);
    expect(first.strategy).toBe('chunks');
    expect(first.scanError).toMatch(/excluded from account secondary indexes/);
    expect(first.rows.map((r) => [r.mint, r.owner])).toEqual(minted.map((m) => [m.mint.toBase58(), m.owner]));
    expect(methods.filter((m) => m === 'getProgramAccounts')).toHaveLength(1);

    for (let run = 0; run < 3; run++) {
      const next = await snapshotChain(reader, tracked, opts);
      expect(next).toMatchObject({ strategy: 'chunks' });
      expect(next.scanError).toBeUndefined();
      expect(next.rows.map((r) => r.owner)).toEqual(minted.map((m) => m.owner));
    }
    expect(methods.filter((m) => m === 'getProgramAccounts')).toHaveLength(1);
  });
});
