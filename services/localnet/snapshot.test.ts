// The snapshot file is assembled from cached per-transaction JSON; it must stay JSON.stringify's UTF-8.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test as fcTest } from '@fast-check/vitest';
import { LAMPORTS_PER_SOL, PublicKey } from '@solana/web3.js';
import { afterAll, expect, test } from 'vitest';
import { SYSTEM_PROGRAM, type AccountSnap } from './accounts.ts';
import { packAccounts, parseSnapshot, snapshotFile, snapshotBytes, unpackAccounts, type SnapshotFile } from './snapshot.ts';
import { fundedKeypair, startTestLocalnet, soon } from '../../test/support/test-localnet.ts';
import { waitFor } from '../../test/support/wait.ts';
import { TOKEN_PROGRAM } from './token.ts';

const { net, conn } = await startTestLocalnet();
afterAll(() => net.stop());

test('a snapshot file reads back as the snapshot it was written from, before and after its records and accounts are cached', async () => {
  await fundedKeypair(net, conn);
  const roundTrip = (f: SnapshotFile) => parseSnapshot(Buffer.concat(snapshotBytes(f)));
  const first = snapshotFile(net.chain.svm, net.chain.state);
  expect(first.txs.length).toBeGreaterThan(0);
  expect(first.accounts!.packed.length).toBeGreaterThan(0);
  expect(roundTrip(first)).toEqual(first);
  await fundedKeypair(net, conn);
  const second = snapshotFile(net.chain.svm, net.chain.state);
  expect(second.txs.length).toBeGreaterThan(first.txs.length);
  expect(roundTrip(second)).toEqual(second);
  // The ledger is one line of JSON: what follows the first newline is the accounts, byte for byte.
  const bytes = Buffer.concat(snapshotBytes(second));
  expect(JSON.parse(bytes.toString('utf8', 0, bytes.indexOf(0x0a))).txs).toEqual(JSON.parse(JSON.stringify(second.txs)));
});

// Any 32 bytes make an address; generating key pairs would be most of this file's time.
const key = () => new PublicKey(randomBytes(32)).toBase58();
const accountArb = fc.record({
  lamports: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  data: fc.uint8Array({ maxLength: 300 }),
  owner: fc.constantFrom(SYSTEM_PROGRAM, TOKEN_PROGRAM, 'BPFLoaderUpgradeab1e11111111111111111111111'),
  executable: fc.boolean(),
});

fcTest.prop([fc.array(fc.tuple(fc.constantFrom(...Array.from({ length: 8 }, key), '11111111111111111111111111111111'), accountArb), { maxLength: 40 })])(
  'packed accounts unpack to the same accounts, in the same order',
  (accounts) => {
    const { owners, count, packed } = packAccounts(accounts);
    expect(unpackAccounts(owners, packed, count)).toEqual(accounts);
  },
);

fcTest.prop([fc.integer({ min: 1, max: 200 })])('an account list cut anywhere is refused, not read short', (cut) => {
  const first: [string, AccountSnap] = [key(), { lamports: 1n, data: new Uint8Array(100), owner: SYSTEM_PROGRAM, executable: false }];
  const { owners, count, packed } = packAccounts([first, [key(), { lamports: 2n, data: new Uint8Array(50), owner: TOKEN_PROGRAM, executable: false }]]);
  fc.pre(cut < packed.length);
  expect(() => unpackAccounts(owners, packed.subarray(0, packed.length - cut), count)).toThrow(/corrupt/);
  // Random cuts rarely land exactly on the first account's end, which only the count catches.
  expect(() => unpackAccounts(owners, packed.subarray(0, packAccounts([first]).packed.length), count)).toThrow(/corrupt/);
});

// LiteSVM's own serialisation refuses more than ~43,700 accounts: the stack's chain passed that
// after some 20,000 NFTs and then came back from every restart as it had been long before.
test('a chain of more accounts than LiteSVM can serialise restarts with every one of them', async () => {
  const snapshotPath = join(mkdtempSync(join(tmpdir(), 'localnet-')), 'snap.json');
  const first = await startTestLocalnet({ snapshotPath });
  const holdings = first.net.seedNftHoldings(Array.from({ length: 23_000 }, () => ({ mint: key(), owner: key(), tokenAccount: key() })));
  expect(() => first.net.chain.svm.toBytes()).toThrow(/preallocation limit/);
  const payer = await fundedKeypair(first.net, first.conn);
  const listing = (rows: ReadonlyArray<readonly [string, { lamports: bigint; owner: string; data: Uint8Array }]>) =>
    rows.map(([k, a]) => `${k}:${a.lamports}:${a.owner}:${Buffer.from(a.data).toString('hex')}`).sort();
  const tokens = listing(first.net.chain.getProgramAccounts(TOKEN_PROGRAM, 'processed'));
  expect(tokens).toHaveLength(46_000);
  await first.net.stop();

  const second = await startTestLocalnet({ snapshotPath });
  try {
    expect(listing(second.net.chain.getProgramAccounts(TOKEN_PROGRAM, 'processed'))).toEqual(tokens);
    const sample = holdings[12_345]!;
    const owner = await second.conn.getParsedAccountInfo(new PublicKey(sample.tokenAccount), 'finalized');
    expect((owner.value?.data as { parsed: { info: { owner: string; mint: string } } }).parsed.info).toMatchObject({ owner: sample.owner, mint: sample.mint });
    expect(await second.conn.getBalance(payer.publicKey, 'finalized')).toBe(10 * LAMPORTS_PER_SOL);
  } finally {
    await second.net.stop();
  }
}, 120_000);

// Serialising a large chain takes about a second of the server's only thread: a chain that only
// produced empty blocks since its last snapshot is not serialised again.
test('the periodic snapshot is written after a change, and not again until the next one', async () => {
  const snapshotPath = join(mkdtempSync(join(tmpdir(), 'localnet-')), 'snap.json');
  const { net } = await startTestLocalnet({ snapshotPath, snapshotIntervalMs: 40 });
  const written = () => (existsSync(snapshotPath) ? statSync(snapshotPath).mtimeMs : undefined);
  try {
    net.fund(key(), 1_000_000n);
    const first = await waitFor('the first snapshot', written, { ...soon, timeoutMs: 5_000 });
    net.advanceSlots(3);
    await new Promise((r) => setTimeout(r, 400));
    expect(written()).toBe(first);
    net.fund(key(), 1_000_000n);
    await waitFor('a snapshot after the change', () => written()! > first, { ...soon, timeoutMs: 5_000 });
  } finally {
    await net.stop();
  }
});
