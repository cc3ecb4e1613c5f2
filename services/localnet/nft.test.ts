// An NFT's life (mint, transfer, burn) seen through reads and programSubscribe at the right level.
import { afterAll, expect, test } from 'vitest';
import { Keypair, type PublicKey, Transaction, type KeyedAccountInfo } from '@solana/web3.js';
import {
  TOKEN_PROGRAM_ID,
  AccountLayout,
  createAssociatedTokenAccountInstruction,
  createBurnInstruction,
  createTransferInstruction,
  getAssociatedTokenAddressSync,
  getMint,
} from '@solana/spl-token';
import { fundedKeypair, land, mintNft, startTestLocalnet, soon } from '../../test/support/test-localnet.ts';
import { waitFor } from '../../test/support/wait.ts';

const { net, conn } = await startTestLocalnet({ confirmationSlots: 2 });
afterAll(() => net.stop());

const amountOf = (data: Buffer) => AccountLayout.decode(data).amount;
const ownerOf = (data: Buffer) => AccountLayout.decode(data).owner.toBase58();

test('mint to a wallet, transfer to another, burn: reads and notifications per commitment', async () => {
  const authority = await fundedKeypair(net, conn);
  const alice = await fundedKeypair(net, conn, 1);
  const bob = await fundedKeypair(net, conn, 1);
  const mint = Keypair.generate();
  const aliceAta = getAssociatedTokenAddressSync(mint.publicKey, alice.publicKey);
  const bobAta = getAssociatedTokenAddressSync(mint.publicKey, bob.publicKey);
  const filters = [{ dataSize: 165 }, { memcmp: { offset: 0, bytes: mint.publicKey.toBase58() } }];

  const seen: { level: string; key: string; owner: string; amount: bigint }[] = [];
  const subs = (['processed', 'confirmed'] as const).map((level) =>
    conn.onProgramAccountChange(
      TOKEN_PROGRAM_ID,
      (k: KeyedAccountInfo) => {
        seen.push({ level, key: k.accountId.toBase58(), owner: ownerOf(k.accountInfo.data), amount: amountOf(k.accountInfo.data) });
      },
      { commitment: level, filters },
    ),
  );
  await waitFor(
    '(net.describe() as { subscriptions: number }).subscriptions === 2',
    () => (net.describe() as { subscriptions: number }).subscriptions === 2,
    soon,
  );
  const saw = (level: string, key: PublicKey, amount: bigint) => seen.some((s) => s.level === level && s.key === key.toBase58() && s.amount === amount);

  // Mint: decimals 0, supply 1, mint authority removed.
  await mintNft(net, conn, authority, alice.publicKey, { mint });
  expect((await conn.getTokenAccountBalance(aliceAta, 'processed')).value.amount).toBe('1');
  expect(await conn.getAccountInfo(aliceAta, 'confirmed')).toBeNull();
  await waitFor("saw('processed', aliceAta, 1n)", () => saw('processed', aliceAta, 1n), soon);
  expect(seen.some((s) => s.level === 'confirmed')).toBe(false);
  net.advanceSlots(2);
  await waitFor("saw('confirmed', aliceAta, 1n)", () => saw('confirmed', aliceAta, 1n), soon);
  const m = await getMint(conn, mint.publicKey, 'confirmed');
  expect([m.decimals, m.supply, m.mintAuthority]).toEqual([0, 1n, null]);
  expect((await conn.getTokenSupply(mint.publicKey, 'confirmed')).value.amount).toBe('1');

  // getProgramAccounts with filters, base64 and jsonParsed; token-specific reads.
  const holders = await conn.getProgramAccounts(TOKEN_PROGRAM_ID, { commitment: 'confirmed', filters });
  expect(holders.map((h) => h.pubkey.toBase58())).toEqual([aliceAta.toBase58()]);
  const parsed = await conn.getParsedProgramAccounts(TOKEN_PROGRAM_ID, { commitment: 'confirmed', filters });
  expect((parsed[0]?.account.data as { parsed: { info: { owner: string } } }).parsed.info.owner).toBe(alice.publicKey.toBase58());
  const withCtx = await conn.getProgramAccounts(TOKEN_PROGRAM_ID, { commitment: 'confirmed', filters, withContext: true });
  expect(withCtx.context.slot).toBe(await conn.getSlot('confirmed'));
  const byOwner = await conn.getTokenAccountsByOwner(alice.publicKey, { mint: mint.publicKey }, 'confirmed');
  expect(byOwner.value.map((v) => v.pubkey.toBase58())).toEqual([aliceAta.toBase58()]);
  const parsedByOwner = await conn.getParsedTokenAccountsByOwner(alice.publicKey, { programId: TOKEN_PROGRAM_ID }, 'confirmed');
  expect(parsedByOwner.value[0]?.account.data.parsed.info.tokenAmount.uiAmount).toBe(1);
  const largest = await conn.getTokenLargestAccounts(mint.publicKey, 'confirmed');
  expect(largest.value[0]?.address.toBase58()).toBe(aliceAta.toBase58());
  const parsedMint = await conn.getParsedAccountInfo(mint.publicKey, 'confirmed');
  expect((parsedMint.value?.data as { parsed: { type: string } }).parsed.type).toBe('mint');

  // Transfer alice -> bob.
  await land(
    net,
    conn,
    new Transaction().add(
      createAssociatedTokenAccountInstruction(alice.publicKey, bobAta, bob.publicKey, mint.publicKey),
      createTransferInstruction(aliceAta, bobAta, alice.publicKey, 1),
    ),
    [alice],
  );
  const amountAt = async (key: PublicKey, level: 'processed' | 'confirmed') => {
    const info = await conn.getAccountInfo(key, level);
    return info ? amountOf(info.data) : null;
  };
  expect([await amountAt(aliceAta, 'processed'), await amountAt(bobAta, 'processed')]).toEqual([0n, 1n]);
  expect([await amountAt(aliceAta, 'confirmed'), await amountAt(bobAta, 'confirmed')]).toEqual([1n, null]);
  const ownerFilter = [...filters, { memcmp: { offset: 32, bytes: bob.publicKey.toBase58() } }];
  expect(await conn.getProgramAccounts(TOKEN_PROGRAM_ID, { commitment: 'confirmed', filters: ownerFilter })).toEqual([]);
  await waitFor("saw('processed', bobAta, 1n) && saw('processed', aliceAta, 0n)", () => saw('processed', bobAta, 1n) && saw('processed', aliceAta, 0n), soon);
  net.advanceSlots(2);
  expect([await amountAt(aliceAta, 'confirmed'), await amountAt(bobAta, 'confirmed')]).toEqual([0n, 1n]);
  const pga = await conn.getProgramAccounts(TOKEN_PROGRAM_ID, { commitment: 'confirmed', filters: ownerFilter });
  expect(pga.map((p) => p.pubkey.toBase58())).toEqual([bobAta.toBase58()]);
  await waitFor("saw('confirmed', bobAta, 1n) && saw('confirmed', aliceAta, 0n)", () => saw('confirmed', bobAta, 1n) && saw('confirmed', aliceAta, 0n), soon);

  // Bob burns it.
  await land(net, conn, new Transaction().add(createBurnInstruction(bobAta, mint.publicKey, bob.publicKey, 1)), [bob]);
  await waitFor("saw('processed', bobAta, 0n)", () => saw('processed', bobAta, 0n), soon);
  expect(await amountAt(bobAta, 'confirmed')).toBe(1n);
  net.advanceSlots(2);
  await waitFor("saw('confirmed', bobAta, 0n)", () => saw('confirmed', bobAta, 0n), soon);
  expect((await getMint(conn, mint.publicKey, 'confirmed')).supply).toBe(0n);
  for (const id of subs) await conn.removeProgramAccountChangeListener(id);
});

test('burn is seen at processed first, then confirmed, and the supply drops to 0', async () => {
  const payer = await fundedKeypair(net, conn);
  const holder = Keypair.generate();
  const mint = Keypair.generate();
  const { account: ata } = await mintNft(net, conn, payer, holder.publicKey, { mint, slots: 3 });
  const notes: { level: string; amount: bigint }[] = [];
  const subs = (['processed', 'confirmed'] as const).map((level) =>
    conn.onProgramAccountChange(TOKEN_PROGRAM_ID, (k) => notes.push({ level, amount: amountOf(k.accountInfo.data) }), {
      commitment: level,
      filters: [{ dataSize: 165 }, { memcmp: { offset: 32, bytes: holder.publicKey.toBase58() } }],
    }),
  );
  await waitFor(
    '(net.describe() as { subscriptions: number }).subscriptions === 2',
    () => (net.describe() as { subscriptions: number }).subscriptions === 2,
    soon,
  );
  await land(net, conn, new Transaction().add(createBurnInstruction(ata, mint.publicKey, holder.publicKey, 1)), [payer, holder]);
  await waitFor("notes.some((n) => n.level === 'processed' && n.amount === 0n)", () => notes.some((n) => n.level === 'processed' && n.amount === 0n), soon);
  expect(notes.some((n) => n.level === 'confirmed')).toBe(false);
  expect((await getMint(conn, mint.publicKey, 'processed')).supply).toBe(0n);
  expect((await getMint(conn, mint.publicKey, 'confirmed')).supply).toBe(1n);
  net.advanceSlots(2);
  await waitFor("notes.some((n) => n.level === 'confirmed' && n.amount === 0n)", () => notes.some((n) => n.level === 'confirmed' && n.amount === 0n), soon);
  expect((await getMint(conn, mint.publicKey, 'confirmed')).supply).toBe(0n);
  for (const id of subs) await conn.removeProgramAccountChangeListener(id);
});
