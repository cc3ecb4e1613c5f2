// The Token program's account index (svm.ts) is kept in step with LiteSVM through transactions,
// writes and forks, instead of being listed again after each change: here it is compared with a
// fresh listing straight from LiteSVM after each kind of change.
import { afterAll, expect, test } from 'vitest';
import { Keypair, Transaction } from '@solana/web3.js';
import {
  createAssociatedTokenAccountInstruction,
  createBurnInstruction,
  createCloseAccountInstruction,
  createTransferInstruction,
  getAssociatedTokenAddressSync,
} from '@solana/spl-token';
import type { Address } from '@solana/kit';
import { SYSTEM_PROGRAM } from './accounts.ts';
import { snapOf, writeAccount } from './svm.ts';
import { fundedKeypair, land, mintNft, startTestLocalnet } from '../../test/support/test-localnet.ts';
import { TOKEN_PROGRAM } from './token.ts';

const { net, conn } = await startTestLocalnet({ confirmationSlots: 1 });
afterAll(() => net.stop());

const key = () => Keypair.generate().publicKey.toBase58();
const listing = (rows: ReadonlyArray<readonly [string, { lamports: bigint; owner: string; data: Uint8Array }]>) =>
  rows.map(([k, a]) => `${k}:${a.lamports}:${a.owner}:${Buffer.from(a.data).toString('hex')}`).sort();
const fromLiteSvm = () =>
  listing(
    net.chain.svm
      .getProgramAccounts(TOKEN_PROGRAM as Address)
      .filter((a) => a.lamports > 0n)
      .map((a) => [a.address, snapOf(a)] as const),
  );
const indexed = () => listing(net.chain.getProgramAccounts(TOKEN_PROGRAM, 'processed'));

test('the index equals a fresh LiteSVM listing after seeding, transactions, writes and a fork', async () => {
  net.seedNftHoldings(Array.from({ length: 20 }, () => ({ mint: key(), owner: key() })));
  expect(indexed()).toEqual(fromLiteSvm());
  expect(indexed()).toHaveLength(40);

  // Mint, transfer, burn and close through real transactions: accounts appear, change and go.
  const payer = await fundedKeypair(net, conn);
  const [alice, bob] = [Keypair.generate(), Keypair.generate()];
  const { mint, account: aliceAta } = await mintNft(net, conn, payer, alice.publicKey);
  const bobAta = getAssociatedTokenAddressSync(mint, bob.publicKey);
  expect(indexed()).toEqual(fromLiteSvm());
  expect(indexed()).toHaveLength(42);
  await land(
    net,
    conn,
    new Transaction().add(
      createAssociatedTokenAccountInstruction(payer.publicKey, bobAta, bob.publicKey, mint),
      createTransferInstruction(aliceAta, bobAta, alice.publicKey, 1),
    ),
    [payer, alice],
  );
  expect(indexed()).toEqual(fromLiteSvm());
  await land(
    net,
    conn,
    new Transaction().add(createBurnInstruction(bobAta, mint, bob.publicKey, 1), createCloseAccountInstruction(bobAta, payer.publicKey, bob.publicKey)),
    [payer, bob],
  );
  expect(indexed()).toEqual(fromLiteSvm());
  expect(indexed()).toHaveLength(42);

  // A write that hands an account to another program takes it out of the index.
  writeAccount(net.chain.svm, aliceAta.toBase58(), { lamports: 1_000_000n, data: new Uint8Array(0), owner: SYSTEM_PROGRAM, executable: false });
  expect(indexed()).toEqual(fromLiteSvm());
  expect(indexed()).toHaveLength(41);

  // A fork above confirmed undoes a block's changes through writes.
  const carol = Keypair.generate();
  const carolAta = getAssociatedTokenAddressSync(mint, carol.publicKey);
  await land(net, conn, new Transaction().add(createAssociatedTokenAccountInstruction(payer.publicKey, carolAta, carol.publicKey, mint)), [payer], {
    slots: 0,
  });
  net.advanceSlots(1);
  expect(indexed()).toContain(fromLiteSvm().find((r) => r.startsWith(carolAta.toBase58())));
  net.chain.fork();
  expect(indexed()).toEqual(fromLiteSvm());
  expect(indexed().some((r) => r.startsWith(carolAta.toBase58()))).toBe(false);
});

test('a by-mint listing equals the filtered full listing at every level, in the same order', async () => {
  const payer = await fundedKeypair(net, conn);
  const owners = [Keypair.generate(), Keypair.generate()];
  const { mint } = await mintNft(net, conn, payer, owners[0]!.publicKey);
  const otherAta = getAssociatedTokenAddressSync(mint, owners[1]!.publicKey);
  // A second holder of the same mint, in a block that only the processed view has yet.
  await land(net, conn, new Transaction().add(createAssociatedTokenAccountInstruction(payer.publicKey, otherAta, owners[1]!.publicKey, mint)), [payer], {
    slots: 0,
  });
  net.advanceSlots(1);
  const prefix = mint.toBytes();
  const hasPrefix = (data: Uint8Array) => Buffer.from(data.subarray(0, 32)).equals(Buffer.from(prefix));
  for (const level of ['processed', 'confirmed', 'finalized'] as const) {
    const full = net.chain.getProgramAccounts(TOKEN_PROGRAM, level).filter(([, a]) => hasPrefix(a.data));
    expect(net.chain.getProgramAccounts(TOKEN_PROGRAM, level, prefix).map(([k]) => k)).toEqual(full.map(([k]) => k));
  }
  expect(net.chain.getProgramAccounts(TOKEN_PROGRAM, 'processed', prefix)).toHaveLength(2);
  expect(net.chain.getProgramAccounts(TOKEN_PROGRAM, 'confirmed', prefix)).toHaveLength(1);
  expect(net.chain.getProgramAccounts(TOKEN_PROGRAM, 'processed', Keypair.generate().publicKey.toBytes())).toEqual([]);
});
