import { Keypair, PublicKey } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { MINT_ACCOUNT_SIZE, TOKEN_ACCOUNT_SIZE } from '../lib/solana/token-accounts.ts';
import { tokenAccountOf } from '../lib/solana/transactions.ts';
import { snapshotChain, type ChainReader, type TrackedMint } from './snapshot.ts';

// Minimal SPL layouts, written here so the test does not depend on the code under test.
const mintData = (supply: bigint) => {
  const d = new Uint8Array(MINT_ACCOUNT_SIZE);
  Buffer.from(d.buffer).writeBigUInt64LE(supply, 36);
  d[45] = 1;
  return d;
};
const tokenData = (mint: string, owner: string, amount: bigint) => {
  const d = new Uint8Array(TOKEN_ACCOUNT_SIZE);
  d.set(new PublicKey(mint).toBytes(), 0);
  d.set(new PublicKey(owner).toBytes(), 32);
  Buffer.from(d.buffer).writeBigUInt64LE(amount, 64);
  d[108] = 1;
  return d;
};
const key = () => Keypair.generate().publicKey.toBase58();

function fakeChain(accounts: Map<string, Uint8Array>, holders: Map<string, string[]>, failIf: (keys: string[]) => boolean = () => false) {
  const calls: string[][] = [];
  const reader: ChainReader = {
    async getMultiple(keys) {
      calls.push(keys);
      if (failIf(keys)) throw new Error('rpc down for this chunk');
      return { slot: 42, data: keys.map((k) => accounts.get(k) ?? null) };
    },
    async holders(mint) {
      return holders.get(mint) ?? [];
    },
  };
  return { reader, calls };
}

describe('chain snapshot', () => {
  it('reads at most 100 keys per call, finds moved NFTs through their holders, and isolates a failing chunk', async () => {
    const accounts = new Map<string, Uint8Array>();
    const holders = new Map<string, string[]>();
    const tracked: TrackedMint[] = [];
    const expected = new Map<string, string | null>();
    for (let i = 0; i < 130; i++) {
      const mint = key();
      const owner = key();
      accounts.set(mint, mintData(1n));
      if (i % 10 === 0) {
        // Moved: not at the owner's associated account the database points to.
        const elsewhere = key();
        const newOwner = key();
        accounts.set(elsewhere, tokenData(mint, newOwner, 1n));
        holders.set(mint, [elsewhere]);
        expected.set(mint, newOwner);
      } else {
        accounts.set(tokenAccountOf(new PublicKey(mint), new PublicKey(owner)).toBase58(), tokenData(mint, owner, 1n));
        expected.set(mint, owner);
      }
      tracked.push({ mint, tokenAccount: null, dbOwner: owner });
    }
    const poisoned = tracked[70]!.mint;
    const { reader, calls } = fakeChain(accounts, holders, (keys) => keys.includes(poisoned));
    const snap = await snapshotChain(reader, tracked, { chunkKeys: 100, concurrency: 3, deadline: Date.now() + 60_000 });

    expect(Math.max(...calls.map((c) => c.length))).toBeLessThanOrEqual(100);
    // The chunk holding the poisoned mint (100 mints per call) failed as a whole; the rest stand.
    expect(snap.failed.length).toBe(100);
    expect(snap.rows.length).toBe(30);
    for (const r of snap.rows) expect(r.owner).toBe(expected.get(r.mint));
    expect(snap.slot).toBe(42);
  });

  it('reports a missing mint account as absent and a burned NFT as present with no owner', async () => {
    const [gone, burned] = [key(), key()];
    const accounts = new Map([[burned, mintData(0n)]]);
    const { reader } = fakeChain(accounts, new Map());
    const snap = await snapshotChain(reader, [{ mint: gone, tokenAccount: null, dbOwner: null }, { mint: burned, tokenAccount: null, dbOwner: key() }], { chunkKeys: 100, concurrency: 1, deadline: Date.now() + 60_000 });
    expect(snap.rows.sort((a, b) => (a.mint === gone ? -1 : b.mint === gone ? 1 : 0))).toEqual([
      { mint: gone, present: false, owner: null, tokenAccount: null, slot: 42 },
      { mint: burned, present: true, owner: null, tokenAccount: null, slot: 42 },
    ]);
  });
});
