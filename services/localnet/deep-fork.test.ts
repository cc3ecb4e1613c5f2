// The deep fork: blocks above the root abandoned, confirmed ones included, with only the
// transactions naming one account lost. Seen through web3.js (reads, statuses, PubSub) and, as a
// property, through the ledger itself.
import { fc, test as propTest } from '@fast-check/vitest';
import { afterAll, expect, test } from 'vitest';
import { Keypair, LAMPORTS_PER_SOL, type PublicKey, SystemProgram, Transaction } from '@solana/web3.js';
import {
  AccountLayout,
  MINT_SIZE,
  TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  createInitializeMint2Instruction,
  createMintToInstruction,
  createTransferInstruction,
  getAssociatedTokenAddressSync,
} from '@solana/spl-token';
import { SYSTEM_PROGRAM } from './accounts.ts';
import { Chain, genesisState } from './chain.ts';
import { FINALITY_DEPTH } from './commitment.ts';
import { newSvm } from './svm.ts';
import { fundedKeypair, land, startTestLocalnet, soon } from '../../test/support/test-localnet.ts';
import { waitFor } from '../../test/support/wait.ts';

const { net, conn } = await startTestLocalnet({ confirmationSlots: 2 });
afterAll(() => net.stop());

const pay = (from: Keypair, to: PublicKey, lamports = LAMPORTS_PER_SOL) =>
  new Transaction().add(SystemProgram.transfer({ fromPubkey: from.publicKey, toPubkey: to, lamports }));
const tokenAmount = (data: Buffer) => AccountLayout.decode(data).amount;

test('a confirmed transfer is undone, other transactions land again at new slots, and reads, statuses and notifications agree', async () => {
  const payer = await fundedKeypair(net, conn);
  const alice = await fundedKeypair(net, conn, 1);
  const carol = await fundedKeypair(net, conn);
  const bob = Keypair.generate().publicKey;
  const dave = Keypair.generate().publicKey;
  const mint = Keypair.generate();
  const aliceAta = getAssociatedTokenAddressSync(mint.publicKey, alice.publicKey);
  const bobAta = getAssociatedTokenAddressSync(mint.publicKey, bob);
  await land(
    net,
    conn,
    new Transaction().add(
      SystemProgram.createAccount({
        fromPubkey: payer.publicKey,
        newAccountPubkey: mint.publicKey,
        lamports: await conn.getMinimumBalanceForRentExemption(MINT_SIZE),
        space: MINT_SIZE,
        programId: TOKEN_PROGRAM_ID,
      }),
      createInitializeMint2Instruction(mint.publicKey, 0, payer.publicKey, null),
      createAssociatedTokenAccountIdempotentInstruction(payer.publicKey, aliceAta, alice.publicKey, mint.publicKey),
      createMintToInstruction(mint.publicKey, aliceAta, payer.publicKey, 1),
    ),
    [payer, mint],
  );
  net.advanceSlots(FINALITY_DEPTH + 3); // the NFT is rooted: no fork can take it away

  type Note = { level: string; key: string; lamports: number; amount: bigint | null; slot: number };
  const notes: Note[] = [];
  const programNotes: Note[] = [];
  const levels = ['processed', 'confirmed', 'finalized'] as const;
  const note = (level: string, key: string, info: { lamports: number; data: Buffer }, slot: number): Note => ({
    level,
    key,
    lamports: info.lamports,
    amount: info.data.length === 165 ? tokenAmount(info.data) : null,
    slot,
  });
  const subs = [aliceAta, bobAta].flatMap((key) =>
    levels.map((level) => conn.onAccountChange(key, (info, ctx) => notes.push(note(level, key.toBase58(), info, ctx.slot)), { commitment: level })),
  );
  const programSub = conn.onProgramAccountChange(
    TOKEN_PROGRAM_ID,
    (k, ctx) => programNotes.push(note('confirmed', k.accountId.toBase58(), k.accountInfo, ctx.slot)),
    {
      commitment: 'confirmed',
      filters: [{ dataSize: 165 }, { memcmp: { offset: 0, bytes: mint.publicKey.toBase58() } }],
    },
  );
  const slotNotes: Array<{ slot: number; parent: number; root: number }> = [];
  const roots: number[] = [];
  const slotSub = conn.onSlotChange((s) => slotNotes.push(s));
  const rootSub = conn.onRootChange((r) => roots.push(r));
  await waitFor(
    '(net.describe() as { subscriptions: number }).subscriptions === sub...',
    () => (net.describe() as { subscriptions: number }).subscriptions === subs.length + 3,
    soon,
  );

  // Inside the window that will be abandoned: another user's payments around the scoped transfer.
  const before1 = await land(net, conn, pay(carol, dave), [carol]);
  const transfer = await land(
    net,
    conn,
    new Transaction().add(
      createAssociatedTokenAccountIdempotentInstruction(payer.publicKey, bobAta, bob, mint.publicKey),
      createTransferInstruction(aliceAta, bobAta, alice.publicKey, 1),
    ),
    [payer, alice],
  );
  const { blockhash: abandonedHash } = await conn.getLatestBlockhash('processed');
  const after1 = await land(net, conn, pay(carol, dave), [carol], { slots: 3 });
  const transferSlot = (await conn.getSignatureStatus(transfer)).value!.slot;
  expect((await conn.getSignatureStatus(transfer)).value?.confirmationStatus).toBe('confirmed');
  expect(tokenAmount((await conn.getAccountInfo(bobAta, 'confirmed'))!.data)).toBe(1n);
  await waitFor(
    "notes.some((n) => n.level === 'confirmed' && n.key === bobAta.toBas...",
    () => notes.some((n) => n.level === 'confirmed' && n.key === bobAta.toBase58() && n.amount === 1n),
    soon,
  );
  await waitFor('programNotes.some((n) => n.key === bobAta.toBase58())', () => programNotes.some((n) => n.key === bobAta.toBase58()), soon);

  const slotsBefore = { finalized: await conn.getSlot('finalized'), confirmed: await conn.getSlot('confirmed'), processed: await conn.getSlot('processed') };
  const heightsBefore = await Promise.all(levels.map((l) => conn.getBlockHeight(l)));
  const statusesBefore = (await conn.getSignatureStatuses([before1, after1])).value;
  const [notesAtFork, programNotesAtFork, rootsAtFork, slotNotesAtFork] = [notes.length, programNotes.length, roots.length, slotNotes.length];

  const fork = net.abandonConfirmed(aliceAta.toBase58());

  expect(fork.droppedSignatures).toEqual([transfer]);
  expect(fork.lostSignatures).toEqual([]);
  expect(fork.abandonedSlots).toContain(transferSlot);
  expect(fork.abandonedSlots.at(-1)).toBe(slotsBefore.processed);
  expect(fork.replacementSlots).toHaveLength(fork.abandonedSlots.length);
  expect(Math.min(...fork.replacementSlots)).toBeGreaterThan(slotsBefore.processed);
  // The root stays; confirmed and processed are at the same heights, on the new fork.
  expect(await conn.getSlot('finalized')).toBe(slotsBefore.finalized);
  expect(await Promise.all(levels.map((l) => conn.getBlockHeight(l)))).toEqual(heightsBefore);
  expect(fork.replacementSlots).toContain(await conn.getSlot('confirmed'));
  expect(await conn.getSlot('processed')).toBe(fork.replacementSlots.at(-1));

  // The transfer never happened; the other payments did, with the same confirmation level.
  expect((await conn.getSignatureStatus(transfer, { searchTransactionHistory: true })).value).toBeNull();
  expect(await conn.getTransaction(transfer, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })).toBeNull();
  expect((await conn.getSignaturesForAddress(aliceAta, {}, 'confirmed')).map((s) => s.signature)).not.toContain(transfer);
  const statusesAfter = (await conn.getSignatureStatuses([before1, after1])).value;
  statusesAfter.forEach((s, i) => {
    expect(s?.confirmationStatus).toBe(statusesBefore[i]?.confirmationStatus);
    expect(fork.replacementSlots).toContain(s?.slot);
  });
  for (const level of ['processed', 'confirmed'] as const) {
    expect(tokenAmount((await conn.getAccountInfo(aliceAta, level))!.data)).toBe(1n);
    expect(await conn.getAccountInfo(bobAta, level)).toBeNull();
  }
  expect(await conn.getBalance(dave, 'processed')).toBe(2 * LAMPORTS_PER_SOL);
  expect(await conn.getBalance(dave, 'confirmed')).toBe(2 * LAMPORTS_PER_SOL);
  // A blockhash handed out on the abandoned fork still signs for the chain.
  expect((await conn.isBlockhashValid(abandonedHash, { commitment: 'processed' })).value).toBe(true);
  await land(net, conn, pay(carol, dave), [carol]);

  // Account subscribers at processed and confirmed are told the transfer is undone; finalized
  // never saw it. Program subscribers are not told (only accounts a block writes are).
  for (const level of ['processed', 'confirmed'] as const) {
    await waitFor(
      'notes.slice(notesAtFork).some((n) => n.level === level && n.key ===...',
      () =>
        notes.slice(notesAtFork).some((n) => n.level === level && n.key === aliceAta.toBase58() && n.amount === 1n && fork.replacementSlots.includes(n.slot)),
      soon,
    );
    await waitFor(
      'notes.slice(notesAtFork).some((n) => n.level === level && n.key ===...',
      () => notes.slice(notesAtFork).some((n) => n.level === level && n.key === bobAta.toBase58() && n.lamports === 0),
      soon,
    );
  }
  await waitFor(
    'slotNotes.length >= slotNotesAtFork + fork.replacementSlots.length',
    () => slotNotes.length >= slotNotesAtFork + fork.replacementSlots.length,
    soon,
  );
  const fresh = slotNotes.slice(slotNotesAtFork);
  expect(fresh.slice(0, fork.replacementSlots.length).map((s) => s.slot)).toEqual(fork.replacementSlots);
  expect(fresh[0]).toEqual({ slot: fork.replacementSlots[0], parent: slotsBefore.finalized, root: slotsBefore.finalized });
  expect(roots.length).toBe(rootsAtFork);

  net.advanceSlots(FINALITY_DEPTH + 3);
  await waitFor('roots.includes(fork.replacementSlots[0]!)', () => roots.includes(fork.replacementSlots[0]!), soon);
  expect(roots.slice(rootsAtFork).some((r) => fork.abandonedSlots.includes(r))).toBe(false);
  expect(tokenAmount((await conn.getAccountInfo(aliceAta, 'finalized'))!.data)).toBe(1n);
  expect(await conn.getAccountInfo(bobAta, 'finalized')).toBeNull();
  expect((await conn.getSignatureStatus(after1)).value?.confirmationStatus).toBe('finalized');
  expect((await conn.getSignatureStatus(transfer, { searchTransactionHistory: true })).value).toBeNull();
  expect(notes.filter((n) => n.level === 'finalized')).toEqual([]);
  expect(programNotes.slice(programNotesAtFork)).toEqual([]);

  for (const id of subs) await conn.removeAccountChangeListener(id);
  await conn.removeProgramAccountChangeListener(programSub);
  await conn.removeSlotChangeListener(slotSub);
  await conn.removeRootChangeListener(rootSub);
});

test('the admin endpoint takes { fork: { abandonConfirmedWith } } and refuses a malformed one', async () => {
  const post = async (body: unknown) => {
    const res = await fetch(`${net.rpcUrl}/admin/faults`, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const a = await fundedKeypair(net, conn);
  const sig = await land(net, conn, pay(a, Keypair.generate().publicKey), [a], { slots: 3 });
  const res = await post({ fork: { abandonConfirmedWith: a.publicKey.toBase58() } });
  expect(res.status).toBe(200);
  expect(res.body.droppedSignatures).toContain(sig);
  expect((res.body.abandonedSlots as number[]).length).toBeGreaterThan(0);
  expect((await post({ fork: { abandonConfirmedWith: 'not-an-address' } })).status).toBe(400);
  expect((await post({ fork: { abandonConfirmedWith: a.publicKey.toBase58(), extra: 1 } })).status).toBe(400);
  expect((await post({ fork: 'deep' })).status).toBe(400);
});

// ---- the ledger as a property ---------------------------------------------------------------

const WALLETS = Array.from({ length: 4 }, () => Keypair.generate());
const FUNDS = 1_000n * BigInt(LAMPORTS_PER_SOL);
const FEE = 5000n;

function fundedChain(): Chain {
  const chain = new Chain(newSvm(), genesisState(0), 2, () => 0);
  chain.seedAccounts(WALLETS.map((w) => [w.publicKey.toBase58(), { lamports: FUNDS, data: new Uint8Array(0), owner: SYSTEM_PROGRAM, executable: false }]));
  return chain;
}

const balances = (chain: Chain, level: 'processed' | 'confirmed' | 'finalized') =>
  WALLETS.map((w) => chain.getAccount(w.publicKey.toBase58(), level)?.lamports ?? 0n);

/** Blocks of payments (from, to, lamports); rooted ones first, then ones the fork abandons. */
const payments = fc.array(fc.array(fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 3 }), fc.integer({ min: 1, max: 1_000_000 })), { maxLength: 3 }), {
  minLength: 1,
  maxLength: 12,
});

propTest.prop([fc.nat({ max: 40 }), payments, fc.nat({ max: 3 })], { numRuns: 15 })(
  'after the fork: the root is untouched, and every level equals the kept payments applied in order',
  (rootedBlocks, window, scopeIndex) => {
    const chain = fundedChain();
    for (let i = 0; i < rootedBlocks; i++) chain.produceBlock();
    const scope = WALLETS[scopeIndex]!.publicKey.toBase58();
    const startHeight = chain.heights().finalized;
    // Let the payments pass the finalized block so the expectation can be computed from it.
    for (let i = 0; i < FINALITY_DEPTH + 2; i++) chain.produceBlock();
    const base = balances(chain, 'finalized');
    expect(chain.heights().finalized).toBeGreaterThanOrEqual(startHeight);
    const expected = [...base];
    const sent: Array<{ sig: string; kept: boolean; block: number }> = [];
    window.forEach((block, b) => {
      block.forEach(([from, to, base10], i) => {
        const lamports = base10 * 10 + i; // distinct within a block, so no two share a signature
        const tx = new Transaction({ feePayer: WALLETS[from]!.publicKey, recentBlockhash: chain.tip().blockhash }).add(
          SystemProgram.transfer({ fromPubkey: WALLETS[from]!.publicKey, toPubkey: WALLETS[to]!.publicKey, lamports }),
        );
        tx.sign(WALLETS[from]!);
        const r = chain.submit(new Uint8Array(tx.serialize()), { skipPreflight: true, drop: false });
        const kept = from !== scopeIndex && to !== scopeIndex;
        sent.push({ sig: r.signature, kept, block: b });
        if (kept) {
          expected[from]! -= BigInt(lamports) + FEE;
          expected[to]! += BigInt(lamports);
        }
      });
      chain.produceBlock();
    });
    const before = chain.heights();
    const rootSlot = chain.blockAt('finalized').slot;
    const statusBefore = new Map(sent.map((s) => [s.sig, chain.signatureStatus(s.sig, true)?.confirmationStatus]));
    const fork = chain.abandonConfirmed(scope);

    expect(chain.heights()).toEqual(before);
    expect(chain.blockAt('finalized').slot).toBe(rootSlot);
    expect(balances(chain, 'finalized')).toEqual(base);
    expect(balances(chain, 'processed')).toEqual(expected);
    expect(fork.droppedSignatures.sort()).toEqual(
      sent
        .filter((s) => !s.kept)
        .map((s) => s.sig)
        .sort(),
    );
    expect(fork.lostSignatures).toEqual([]);
    for (const s of sent) {
      const st = chain.signatureStatus(s.sig, true);
      if (!s.kept) expect(st).toBeNull();
      else {
        expect(st?.confirmationStatus).toBe(statusBefore.get(s.sig));
        expect(fork.replacementSlots).toContain(st?.slot);
      }
    }
    // The confirmed view is the processed one minus the blocks above it, replayed in the same order.
    for (let i = 0; i < 2; i++) chain.produceBlock();
    expect(balances(chain, 'confirmed')).toEqual(expected);
    for (let i = 0; i < FINALITY_DEPTH; i++) chain.produceBlock();
    expect(balances(chain, 'finalized')).toEqual(expected);
  },
);
