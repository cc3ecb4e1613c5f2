import { Keypair, PublicKey } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { MINT_ACCOUNT_SIZE, TOKEN_ACCOUNT_SIZE } from '../lib/solana/token-accounts.ts';
import { tokenAccountOf } from '../lib/solana/transactions.ts';
import { PermanentError, RetryableError } from '../lib/errors.ts';
import { snapshotChain, type HolderSnapshotReader, type ScanMemory, type TrackedMint } from './snapshot.ts';

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
  const reader: HolderSnapshotReader = {
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
    const snap = await snapshotChain(
      reader,
      [
        { mint: gone, tokenAccount: null, dbOwner: null },
        { mint: burned, tokenAccount: null, dbOwner: key() },
      ],
      { chunkKeys: 100, concurrency: 1, deadline: Date.now() + 60_000 },
    );
    expect(snap.rows.sort((a, b) => (a.mint === gone ? -1 : b.mint === gone ? 1 : 0))).toEqual([
      { mint: gone, present: false, owner: null, tokenAccount: null, slot: 42 },
      { mint: burned, present: true, owner: null, tokenAccount: null, slot: 42 },
    ]);
  });
});

describe('snapshot strategies', () => {
  // A small chain: NFTs at their owners' associated accounts, one moved elsewhere, one burned, one
  // never minted, one whose token sits in two accounts, and an untracked NFT.
  function world() {
    const accounts = new Map<string, Uint8Array>();
    const holders = new Map<string, string[]>();
    const scanned: Array<{ mint: string; owner: string; tokenAccount: string }> = [];
    const tracked: TrackedMint[] = [];
    const hold = (mint: string, owner: string, account: string) => {
      accounts.set(account, tokenData(mint, owner, 1n));
      holders.set(mint, [...(holders.get(mint) ?? []), account]);
      scanned.push({ mint, owner, tokenAccount: account });
    };
    for (let i = 0; i < 40; i++) {
      const [mint, owner] = [key(), key()];
      accounts.set(mint, mintData(1n));
      hold(mint, owner, tokenAccountOf(new PublicKey(mint), new PublicKey(owner)).toBase58());
      tracked.push({ mint, tokenAccount: null, dbOwner: owner });
    }
    const moved = key();
    accounts.set(moved, mintData(1n));
    hold(moved, key(), key());
    tracked.push({ mint: moved, tokenAccount: null, dbOwner: key() });
    const burned = key();
    accounts.set(burned, mintData(0n));
    tracked.push({ mint: burned, tokenAccount: null, dbOwner: key() });
    tracked.push({ mint: key(), tokenAccount: null, dbOwner: key() }); // never minted
    const split = key();
    accounts.set(split, mintData(2n));
    const [first, second] = [key(), key()];
    hold(split, first, key());
    hold(split, second, tokenAccountOf(new PublicKey(split), new PublicKey(second)).toBase58());
    tracked.push({ mint: split, tokenAccount: null, dbOwner: second });
    const stranger = key();
    accounts.set(stranger, mintData(1n));
    hold(stranger, key(), key());
    return { accounts, holders, scanned, tracked, split, second };
  }

  const sorted = <T extends { mint: string }>(rows: T[]) => [...rows].sort((a, b) => a.mint.localeCompare(b.mint));
  const withoutSlot = (rows: Array<{ mint: string; slot: number }>) => sorted(rows).map(({ slot: _slot, ...r }) => r);
  const opts = { chunkKeys: 10, concurrency: 2, deadline: Date.now() + 60_000 };

  it('the scan gives the snapshot the chunks give, reading only what the scan did not settle', async () => {
    const w = world();
    const { reader, calls } = fakeChain(w.accounts, w.holders);
    let scans = 0;
    const scanning: HolderSnapshotReader = { ...reader, scanHolders: async () => (scans++, { slot: 40, holders: w.scanned }) };
    const chunked = await snapshotChain(scanning, w.tracked, { ...opts, strategy: 'chunks' });
    expect(chunked.strategy).toBe('chunks');
    const before = calls.length;
    const scanned = await snapshotChain(scanning, w.tracked, { ...opts, strategy: 'scan' });
    expect(scans).toBe(1);
    expect(scanned.strategy).toBe('scan');
    expect(withoutSlot(scanned.rows)).toEqual(withoutSlot(chunked.rows));
    expect(scanned.rows).toHaveLength(w.tracked.length);
    // The mint in two accounts is read where the database points: the same answer as the chunks.
    expect(scanned.rows.find((r) => r.mint === w.split)?.owner).toBe(w.second);
    // Only the three mints the scan did not settle were read: their guessed accounts, then the
    // mint accounts of the burned and the missing one.
    expect(calls.slice(before).flat()).toHaveLength(5);
    expect(scanned.slot).toBe(40);
  });

  it('auto scans a private cluster, reads a public one in chunks, and falls back to chunks when the scan fails', async () => {
    const w = world();
    const { reader } = fakeChain(w.accounts, w.holders);
    const mainnet = '5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d';
    const on = (genesis: string, scan: HolderSnapshotReader['scanHolders']): HolderSnapshotReader => ({
      ...reader,
      genesisHash: async () => genesis,
      ...(scan ? { scanHolders: scan } : {}),
    });
    const ok = async () => ({ slot: 40, holders: w.scanned });
    expect((await snapshotChain(on(key(), ok), w.tracked, { ...opts, strategy: 'auto' })).strategy).toBe('scan');
    expect((await snapshotChain(on(mainnet, ok), w.tracked, { ...opts, strategy: 'auto' })).strategy).toBe('chunks');
    expect((await snapshotChain(on(key(), undefined), w.tracked, { ...opts, strategy: 'auto' })).strategy).toBe('chunks');
    const refused = async (): Promise<never> => {
      throw new PermanentError('Token program excluded from account secondary indexes');
    };
    const fellBack = await snapshotChain(on(key(), refused), w.tracked, { ...opts, strategy: 'auto' });
    expect(fellBack).toMatchObject({ strategy: 'chunks', scanError: 'Token program excluded from account secondary indexes' });
    expect(fellBack.rows).toHaveLength(w.tracked.length);
    await expect(snapshotChain(on(key(), refused), w.tracked, { ...opts, strategy: 'scan' })).rejects.toThrow(/excluded/);
  });

  it('auto asks a provider that refused the Token-program scan only once: the next runs read in chunks', async () => {
    const w = world();
    const { reader } = fakeChain(w.accounts, w.holders);
    let scans = 0;
    const refusing: HolderSnapshotReader = {
      ...reader,
      genesisHash: async () => key(),
      scanHolders: async () => {
        scans++;
        throw new PermanentError('Token program excluded from account secondary indexes');
      },
    };
    const memory: ScanMemory = {};
    const first = await snapshotChain(refusing, w.tracked, { ...opts, strategy: 'auto', memory });
    expect(first).toMatchObject({ strategy: 'chunks', scanError: expect.stringMatching(/excluded/) });
    for (let run = 0; run < 3; run++) {
      const next = await snapshotChain(refusing, w.tracked, { ...opts, strategy: 'auto', memory });
      expect(next.strategy).toBe('chunks');
      expect(next.scanError).toBeUndefined();
      expect(next.rows).toHaveLength(w.tracked.length);
    }
    expect(scans).toBe(1);

    // A scan that failed for a passing reason is tried again next run.
    let flaky = 0;
    const passing: HolderSnapshotReader = {
      ...refusing,
      scanHolders: async () => {
        flaky++;
        throw new RetryableError('socket hang up');
      },
    };
    const later: ScanMemory = {};
    await snapshotChain(passing, w.tracked, { ...opts, strategy: 'auto', memory: later });
    await snapshotChain(passing, w.tracked, { ...opts, strategy: 'auto', memory: later });
    expect(flaky).toBe(2);
  });
});
