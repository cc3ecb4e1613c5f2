import { PublicKey } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/logger.ts';
import { createMetricsRegistry } from '../lib/metrics.ts';
import type { MintScan, TokenAccountReader } from './token-account-reader.ts';
import type { Published } from './decide.ts';
import type { TokenObservation } from './holding.ts';
import { Ingestor } from './ingestor.ts';
import { ingestMetrics } from './metrics.ts';
import type { OwnershipChange } from './sink.ts';

type View = { slot: number; accounts: Array<Omit<TokenObservation, 'slot'>>; burned?: string[] };

/** A chain with a confirmed and a finalized view that tests set by hand. */
function fakeChain() {
  const views: Record<'confirmed' | 'finalized', View> = { confirmed: { slot: 0, accounts: [] }, finalized: { slot: 0, accounts: [] } };
  const scanned: string[][] = [];
  /** Addresses whose existence was asked. */
  const asked: string[] = [];
  const reader: TokenAccountReader = {
    async scan(mints, commitment) {
      scanned.push([...mints]);
      const v = views[commitment as 'confirmed' | 'finalized'];
      return mints.map((mint): MintScan => ({ mint, slot: v.slot, accounts: v.accounts.filter((a) => a.mint === mint).map((a) => ({ ...a, slot: v.slot })) }));
    },
    async readTokenAccounts(addresses, commitment) {
      const v = views[commitment as 'confirmed' | 'finalized'];
      return addresses.map((address) => {
        const a = v.accounts.find((x) => x.tokenAccount === address);
        return { address, slot: v.slot, account: a && a.owner ? { mint: a.mint, owner: a.owner, amount: a.amount } : null };
      });
    },
    async readMints(addresses, commitment) {
      asked.push(...addresses);
      const v = views[commitment as 'confirmed' | 'finalized'];
      // A mint is minted once a token account of it holds the token; a burned one keeps its mint account (supply 0, no authority).
      return addresses.map((address) => {
        const minted = v.accounts.some((x) => x.mint === address && x.amount > 0n);
        const mint = minted
          ? { supply: 1n, decimals: 0, mintAuthority: null }
          : v.burned?.includes(address)
            ? { supply: 0n, decimals: 0, mintAuthority: null }
            : null;
        return { address, slot: v.slot, mint };
      });
    },
    tipSlot: async () => views.confirmed.slot,
  };
  return { views, reader, scanned, asked };
}

let clock = 0;
function setup(published = new Map<string, Published>()) {
  const { views, reader, scanned, asked } = fakeChain();
  const sent: OwnershipChange[] = [];
  const ingestor = new Ingestor({
    chain: reader,
    sink: { send: async (r) => void sent.push(...r) },
    metrics: ingestMetrics(createMetricsRegistry('test', false)),
    logger: silentLogger(),
    published,
    now: () => ++clock * 10_000,
  });
  return { views, ingestor, sent, scanned, asked };
}

const tokenData = (mint: Uint8Array, owner: Uint8Array, amount: bigint) => {
  const d = new Uint8Array(165);
  d.set(mint, 0);
  d.set(owner, 32);
  new DataView(d.buffer).setBigUint64(64, amount, true);
  d[108] = 1;
  return d;
};

const MINT = '11111111111111111111111111111112'; // 31 zero bytes then 1
const mintBytes = (() => {
  const b = new Uint8Array(32);
  b[31] = 1;
  return b;
})();
const walletBytes = (n: number) => {
  const b = new Uint8Array(32);
  b[0] = n;
  return b;
};

const wallet = (n: number) => new PublicKey(walletBytes(n)).toBase58();

async function started(published?: Map<string, Published>) {
  const s = setup(published);
  s.views.confirmed = { slot: 10, accounts: [{ mint: MINT, tokenAccount: 'ta-1', owner: wallet(1), amount: 1n }] };
  s.ingestor.addTracked([MINT]);
  s.ingestor.openGap('start');
  expect(s.ingestor.caughtUp).toBe(false);
  s.ingestor.onSlot(11);
  await s.ingestor.idle();
  return s;
}

describe('Ingestor', () => {
  it('backfills at start, then follows the stream', async () => {
    const { ingestor, sent } = await started();
    expect(ingestor.caughtUp).toBe(true);
    expect(sent).toEqual([
      { mint: MINT, owner: wallet(1), tokenAccount: 'ta-1', amount: 1, slot: 10, commitment: 'confirmed', source: 'backfill', observedAt: expect.any(Number) },
    ]);

    ingestor.onTokenAccount('ta-2', tokenData(mintBytes, walletBytes(2), 1n), 14);
    ingestor.onTokenAccount('ta-1', tokenData(mintBytes, walletBytes(1), 0n), 14);
    ingestor.onTokenAccount('ta-9', tokenData(walletBytes(9), walletBytes(9), 1n), 14); // another mint: ignored
    await ingestor.idle();
    expect(sent.slice(1)).toMatchObject([{ owner: wallet(2), tokenAccount: 'ta-2', slot: 14, source: 'stream' }]);

    // The holder's account closed after a burn: the notification carries no data.
    ingestor.onTokenAccount('ta-2', tokenData(mintBytes, walletBytes(2), 0n), 15);
    ingestor.onTokenAccount('ta-2', new Uint8Array(0), 16);
    await ingestor.idle();
    expect(sent.slice(2)).toMatchObject([{ owner: null, tokenAccount: null, amount: 0, slot: 16 }]);
  });

  it('after a restart, republishes nothing unchanged, and notices an account closed while it was away', async () => {
    const published = new Map<string, Published>([[MINT, { owner: wallet(1), tokenAccount: 'ta-1', amount: 1n, slot: 9, commitment: 'confirmed' }]]);
    const { ingestor, sent, views } = await started(published);
    expect(sent).toEqual([]);
    views.confirmed = { slot: 30, accounts: [] };
    await ingestor.sweepNext(ingestor.trackedCount); // a whole pass
    expect(sent).toMatchObject([{ owner: null, tokenAccount: null, slot: 30, source: 'backfill' }]);
  });

  it('publishes a mint minted and burned while it was not running: the first thing it sees of it is the burn', async () => {
    const s = setup();
    // Burned by the platform: the holder's account was closed with the burn, the mint account stays with supply 0.
    s.views.confirmed = { slot: 20, accounts: [], burned: [MINT] };
    s.ingestor.addTracked([MINT]);
    s.ingestor.openGap('start');
    s.ingestor.onSlot(21);
    await s.ingestor.idle();
    expect(s.sent).toMatchObject([{ mint: MINT, owner: null, tokenAccount: null, amount: 0, slot: 20, commitment: 'confirmed', source: 'backfill' }]);
  });

  it('publishes nothing for a tracked mint that has not landed yet', async () => {
    const s = setup();
    s.views.confirmed = { slot: 20, accounts: [] };
    s.ingestor.addTracked([MINT]);
    s.ingestor.openGap('start');
    s.ingestor.onSlot(21);
    await s.ingestor.idle();
    expect(s.sent).toEqual([]);
  });

  it('keeps the gap open across a disconnect until a backfill after the stream returned', async () => {
    const { ingestor, sent, views } = await started();
    ingestor.openGap('disconnect');
    expect(ingestor.caughtUp).toBe(false);
    views.confirmed = { slot: 40, accounts: [{ mint: MINT, tokenAccount: 'ta-3', owner: wallet(3), amount: 1n }] };
    await ingestor.idle();
    expect(ingestor.caughtUp).toBe(false);
    ingestor.onSlot(41);
    await ingestor.idle();
    expect(ingestor.caughtUp).toBe(true);
    expect(sent.at(-1)).toMatchObject({ owner: wallet(3), slot: 40, source: 'backfill' });
  });

  it('marks a record finalized once the root passes it, and corrects one the finalized chain contradicts', async () => {
    const { ingestor, sent, views } = await started();
    views.finalized = { slot: 12, accounts: views.confirmed.accounts };
    ingestor.onRoot(12);
    await ingestor.idle();
    await new Promise((r) => setTimeout(r, 10));
    expect(sent.at(-1)).toMatchObject({ owner: wallet(1), slot: 10, commitment: 'finalized' });

    // A change seen at slot 20 on a fork that never roots.
    ingestor.onTokenAccount('ta-5', tokenData(mintBytes, walletBytes(5), 1n), 20);
    ingestor.onTokenAccount('ta-1', tokenData(mintBytes, walletBytes(1), 0n), 20);
    await ingestor.idle();
    expect(sent.at(-1)).toMatchObject({ owner: wallet(5), slot: 20, commitment: 'confirmed' });
    views.finalized = { slot: 21, accounts: views.confirmed.accounts };
    views.confirmed = { slot: 23, accounts: views.confirmed.accounts };
    ingestor.onRoot(21);
    await new Promise((r) => setTimeout(r, 10));
    await ingestor.idle();
    expect(sent.at(-1)).toMatchObject({ owner: wallet(1), tokenAccount: 'ta-1', slot: 23, commitment: 'confirmed', source: 'backfill' });
    const slots = sent.map((r) => r.slot);
    expect(slots).toEqual([...slots].sort((a, b) => a - b));
  });

  it('publishes a requested mint from the stream when it lands, without reading it', async () => {
    const { ingestor, sent, views } = await started();
    const NEW = wallet(7);
    const newMint = walletBytes(7);
    const scan = views.confirmed;
    ingestor.expect([NEW]);
    await ingestor.idle();
    expect(sent.filter((r) => r.mint === NEW)).toEqual([]);
    ingestor.onTokenAccount('ta-7', tokenData(newMint, walletBytes(8), 1n), 50);
    await ingestor.idle();
    expect(sent.at(-1)).toMatchObject({ mint: NEW, owner: wallet(8), tokenAccount: 'ta-7', slot: 50, source: 'stream' });
    // Its confirmation arriving later needs no read: the stream got there first. (A read here
    // would see a chain view without the account and publish it as closed.)
    const before = sent.length;
    views.confirmed = { ...scan, slot: 51 };
    await ingestor.track([NEW]);
    await ingestor.idle();
    expect(sent.length).toBe(before);
  });

  it('reads a confirmed mint whose landing the stream did not report', async () => {
    const { ingestor, sent, views } = await started();
    const NEW = wallet(7);
    ingestor.expect([NEW]);
    views.confirmed = { slot: 60, accounts: [...views.confirmed.accounts, { mint: NEW, tokenAccount: 'ta-7', owner: wallet(8), amount: 1n }] };
    await ingestor.track([NEW]);
    expect(sent.at(-1)).toMatchObject({ mint: NEW, owner: wallet(8), slot: 60, source: 'backfill' });
  });

  it('does not let a confirmed mint be taken as tracked before it is published (its status offset moved on, and the next leader never knew the mint: 82 mints lost in a chaos campaign)', async () => {
    const { ingestor, sent, views } = await started();
    const NEW = wallet(7);
    // The status says confirmed, but the chain view read does not show the account yet.
    await expect(ingestor.track([NEW])).rejects.toThrow(/not published yet/);
    views.confirmed = { slot: 60, accounts: [...views.confirmed.accounts, { mint: NEW, tokenAccount: 'ta-7', owner: wallet(8), amount: 1n }] };
    await ingestor.track([NEW]);
    expect(sent.at(-1)).toMatchObject({ mint: NEW, owner: wallet(8), slot: 60 });
  });

  it('publishes a confirmed mint already burned when its status arrives: no token account is left to list', async () => {
    const { ingestor, sent, views } = await started();
    const NEW = wallet(7);
    views.confirmed = { slot: 61, accounts: views.confirmed.accounts, burned: [NEW] };
    await ingestor.track([NEW]);
    expect(sent.at(-1)).toMatchObject({ mint: NEW, owner: null, slot: 61 });
  });

  it('fails a track whose record could not be sent, rather than returning as if it were published', async () => {
    const { views, reader } = fakeChain();
    let failing = false;
    const sent: OwnershipChange[] = [];
    const ingestor = new Ingestor({
      chain: reader,
      sink: {
        send: async (r) => {
          if (failing) throw new Error('broker down');
          sent.push(...r);
        },
      },
      metrics: ingestMetrics(createMetricsRegistry('test', false)),
      logger: silentLogger(),
      published: new Map(),
      now: () => ++clock * 10_000,
    });
    const NEW = wallet(7);
    views.confirmed = { slot: 60, accounts: [{ mint: NEW, tokenAccount: 'ta-7', owner: wallet(8), amount: 1n }] };
    failing = true;
    await expect(ingestor.track([NEW])).rejects.toThrow(/broker down|publishing/);
    await expect(ingestor.track([NEW])).rejects.toThrow();
    expect(sent).toEqual([]);
  });

  it('a mint-account change the stream showed with its token account costs no read; one it did not is re-read', async () => {
    const { ingestor, sent, views, scanned } = await started();
    const before = scanned.length;
    // A burn at slot 70: the token account's notification comes with the supply change.
    ingestor.onTokenAccount('ta-1', new Uint8Array(0), 70);
    ingestor.onMintAccount(MINT, 70);
    await ingestor.idle();
    expect(scanned.length).toBe(before);
    expect(sent.at(-1)).toMatchObject({ owner: null, slot: 70, source: 'stream' });

    // A later supply change whose token-account notification got lost: the mint is re-read.
    views.confirmed = { slot: 80, accounts: [{ mint: MINT, tokenAccount: 'ta-4', owner: wallet(4), amount: 1n }] };
    ingestor.onMintAccount(MINT, 80);
    await ingestor.idle();
    expect(scanned.slice(before)).toEqual([[MINT]]);
    expect(sent.at(-1)).toMatchObject({ owner: wallet(4), slot: 80, source: 'backfill' });
  });

  it('a rolling sweep reads every tracked mint once per pass, a slice at a time, then starts over', async () => {
    const { ingestor, asked } = setup();
    const mints = [30, 31, 32, 33, 34].map(wallet);
    ingestor.expect(mints);
    for (let i = 0; i < 3; i++) await ingestor.sweepNext(2);
    expect(asked).toEqual(mints);
    ingestor.expect([wallet(35)]); // tracked mid-pass: part of the next pass
    await ingestor.sweepNext(4);
    expect(asked.slice(5)).toEqual([...mints.slice(0, 4)]);
    await ingestor.sweepNext(4);
    expect(asked.slice(9)).toEqual([mints[4], wallet(35)]);
  });

  it("a sweep reads the holders' accounts and lists token accounts only of mints that moved or landed", async () => {
    const { ingestor, sent, views, scanned } = await started();
    const LANDED = wallet(20);
    const NOT_YET = wallet(21);
    ingestor.expect([LANDED, NOT_YET]);
    const before = scanned.length;
    await ingestor.sweepNext(ingestor.trackedCount); // a whole pass
    // Nothing moved and nothing landed: no listing at all.
    expect(scanned.length).toBe(before);

    // MINT moved to ta-6 while the stream missed it; LANDED landed unseen.
    views.confirmed = {
      slot: 90,
      accounts: [
        { mint: MINT, tokenAccount: 'ta-6', owner: wallet(6), amount: 1n },
        { mint: LANDED, tokenAccount: 'ta-20', owner: wallet(22), amount: 1n },
      ],
    };
    await ingestor.sweepNext(ingestor.trackedCount); // a whole pass
    expect(scanned.slice(before).flat().sort()).toEqual([MINT, LANDED].sort());
    expect(sent.filter((r) => r.slot === 90)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ mint: MINT, owner: wallet(6), source: 'backfill' }),
        expect.objectContaining({ mint: LANDED, owner: wallet(22), source: 'backfill' }),
      ]),
    );
  });

  it('lists the token accounts only of mints with a supply: absent and burned ones cost a batched read, not a listing each (a start over 20,000 such mints did not end in two minutes)', async () => {
    const held = wallet(40);
    const gone = Array.from({ length: 30 }, (_, i) => wallet(50 + i));
    const burnedMint = wallet(90);
    const published = new Map<string, Published>(
      [held, burnedMint, ...gone].map((m, i) => [m, { owner: wallet(100 + i), tokenAccount: `ta-old-${i}`, amount: 1n, slot: 5, commitment: 'confirmed' }]),
    );
    const s = setup(published);
    // `held` moved to an account nobody knew; `burnedMint` was burned; the others are not on this chain.
    s.views.confirmed = { slot: 60, accounts: [{ mint: held, tokenAccount: 'ta-new', owner: wallet(7), amount: 1n }], burned: [burnedMint] };
    s.ingestor.addTracked(published.keys());
    s.ingestor.openGap('start');
    s.ingestor.onSlot(61);
    await s.ingestor.idle();
    expect(s.ingestor.caughtUp).toBe(true);
    expect(s.scanned.flat()).toEqual([held]);
    expect(s.sent).toHaveLength(published.size);
    expect(s.sent.find((r) => r.mint === held)).toMatchObject({ owner: wallet(7), tokenAccount: 'ta-new', slot: 60 });
    expect(s.sent.filter((r) => r.mint !== held).every((r) => r.owner === null && r.tokenAccount === null && r.slot === 60)).toBe(true);
  });
});
