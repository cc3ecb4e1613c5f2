// The background load on an in-process public-profile chain, seen only through standard clients:
// other people's transactions in every block, their priority-fee levels in
// getRecentPrioritizationFees, the Token program's accounts growing, notifications for a
// subscription filtered by one of their mints; under congestion they still land and the level is
// congestion's; the rate changes at run time through the admin endpoint.
import { createSolanaRpc } from '@solana/kit';
import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { ComputeBudgetProgram, Keypair, PublicKey, SystemProgram, Transaction, type KeyedAccountInfo } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundedKeypair, soon, startTestLocalnet } from '../../test/support/test-localnet.ts';
import { waitFor } from '../../test/support/wait.ts';
import { applyFaults } from './admin.ts';
import { BackgroundPlan, type BackgroundState } from './background-load.ts';
import type { Localnet } from './server.ts';
import { TOKEN_PROGRAM } from './token.ts';

const SEED = 7;
const PER_SLOT = 20;

let net: Localnet;
let conn: Awaited<ReturnType<typeof startTestLocalnet>>['conn'];
beforeAll(async () => ({ net, conn } = await startTestLocalnet({ profile: 'public', backgroundTps: 50, backgroundPerSlot: PER_SLOT, backgroundSeed: SEED })));
afterAll(() => net.stop());

const background = (n: Localnet = net) => (n.describe() as { background: BackgroundState }).background;
const tokenAccounts = () => net.chain.getProgramAccounts(TOKEN_PROGRAM, 'processed').length;
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
// web3.js asks for signature-level detail through getBlockSignatures.
const blockSignatures = async (slot: number) => (await conn.getBlockSignatures(slot, 'confirmed')).signatures;
const levels = async () => new Map((await createSolanaRpc(net.rpcUrl).getRecentPrioritizationFees().send()).map((f) => [Number(f.slot), f.prioritizationFee]));

describe('the background load', () => {
  it('lands other people’s transactions in every slot: blocks, priority-fee levels, a growing Token program, notifications by mint', async () => {
    net.advanceSlots(1);
    const mint = background().fungibleMints[0]!;
    expect(background().fungibleMints).toHaveLength(4);
    const afterSetUp = tokenAccounts();

    const notes: KeyedAccountInfo[] = [];
    const sub = conn.onProgramAccountChange(TOKEN_PROGRAM_ID, (k) => void notes.push(k), {
      commitment: 'processed',
      // A provider serves a Token-program subscription only by mint (or owner): the way anyone watches a busy token.
      filters: [{ memcmp: { offset: 0, bytes: mint } }],
    });
    await waitFor('the subscription', () => (net.describe() as { subscriptions: number }).subscriptions === 1, soon);

    const first = net.chain.tip().slot + 1;
    net.advanceSlots(5);
    const slots = range(first, 5);
    net.advanceSlots(2); // confirmed, for getBlock and getSignatureStatuses at the connection's level

    const signatures = (await Promise.all(slots.map(blockSignatures))).flat();
    expect(signatures).toHaveLength(5 * PER_SLOT);
    const statuses = (await conn.getSignatureStatuses(signatures)).value;
    expect(statuses.every((s) => s !== null && s.err === null)).toBe(true);
    const tx = await conn.getTransaction(signatures[0]!, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
    expect(tx?.transaction.message.staticAccountKeys.map((k) => k.toBase58())).toContain(ComputeBudgetProgram.programId.toBase58());

    // The levels are the seeded plan's, one per slot since the load began (the first slot set it up).
    const plan = new BackgroundPlan(SEED);
    const expected = range(first - 1, 8).map(() => plan.next(PER_SLOT).level);
    const reported = await levels();
    expect(range(first - 1, 8).map((slot) => reported.get(slot))).toEqual(expected);
    expect(expected.every((level) => level > 0n)).toBe(true);

    expect(tokenAccounts()).toBeGreaterThan(afterSetUp);
    await waitFor('notifications for the background mint', () => notes.length >= 5, soon);
    for (const n of notes) {
      expect(n.accountInfo.owner.toBase58()).toBe(TOKEN_PROGRAM);
      expect(new PublicKey(n.accountInfo.data.subarray(0, 32)).toBase58()).toBe(mint);
    }
    await conn.removeProgramAccountChangeListener(sub);

    expect(background()).toMatchObject({ landed: 8 * PER_SLOT, failed: 0, lost: 0, seed: SEED, perSlot: PER_SLOT });
  });

  it('keeps landing under congestion above its level, which is then the level reported; the landing rule is congestion’s alone', async () => {
    const payer = await fundedKeypair(net, conn);
    // Above any background price (at most 500,000 and a quarter): only congestion sets this level.
    applyFaults(net, { congestion: { microLamports: 1_000_000 } });
    const tx = new Transaction().add(
      ComputeBudgetProgram.setComputeUnitLimit({ units: 10_000 }),
      ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 700_000 }),
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: 1_000_000 }),
    );
    tx.recentBlockhash = (await conn.getLatestBlockhash('processed')).blockhash;
    tx.feePayer = payer.publicKey;
    tx.sign(payer);
    const underpriced = await conn.sendRawTransaction(tx.serialize(), { skipPreflight: true });

    const first = net.chain.tip().slot + 1;
    const landedBefore = background().landed;
    net.advanceSlots(3);
    net.advanceSlots(2);
    for (const slot of range(first, 3)) expect(await blockSignatures(slot)).toHaveLength(PER_SLOT);
    expect(background().landed - landedBefore).toBe(5 * PER_SLOT);
    expect(background().failed).toBe(0);
    const reported = await levels();
    expect(range(first, 5).map((slot) => reported.get(slot))).toEqual(Array(5).fill(1_000_000n));
    expect((await conn.getSignatureStatus(underpriced, { searchTransactionHistory: true })).value).toBeNull();

    // Below the background's level, the slot reports the background's.
    applyFaults(net, { congestion: { microLamports: 1 } });
    net.advanceSlots(1);
    const tip = net.chain.tip().slot;
    expect((await levels()).get(tip)).toBe(BigInt(background().levelMicroLamports));
    expect(BigInt(background().levelMicroLamports)).toBeGreaterThan(1n);
    applyFaults(net, { congestion: null });
  });

  it('changes its rate at run time through POST /admin/faults and reports it in GET /admin/state', async () => {
    const post = (body: unknown) => fetch(`${net.rpcUrl}/admin/faults`, { method: 'POST', body: JSON.stringify(body) });
    const state = async () => ((await (await fetch(`${net.rpcUrl}/admin/state`)).json()) as { background: BackgroundState }).background;

    expect((await post({ backgroundTps: 250 })).status).toBe(200);
    // A rate replaces the manual clock's per-slot count: 250 a second is 100 per 400 ms slot.
    expect(await state()).toMatchObject({ tps: 250, perSlot: 100 });
    net.advanceSlots(1);
    expect(net.chain.tip().signatures).toHaveLength(100);

    const refused = await post({ backgroundTps: -5 });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: 'backgroundTps must be an integer in 0..100000 (transactions per second)' });
    expect((await state()).tps).toBe(250);

    expect((await post({ backgroundTps: 0 })).status).toBe(200);
    net.advanceSlots(1);
    expect(net.chain.tip().signatures).toHaveLength(0);
    expect((await levels()).get(net.chain.tip().slot)).toBe(0n);
    expect(await state()).toMatchObject({ tps: 0, perSlot: 0, levelMicroLamports: '0' });
  });
});

describe('a chain not asked for a background load', () => {
  it('carries none, whatever its profile', async () => {
    const quiet = await startTestLocalnet({ profile: 'public' });
    try {
      quiet.net.advanceSlots(3);
      expect(quiet.net.chain.tip().signatures).toEqual([]);
      expect(background(quiet.net)).toMatchObject({ tps: 0, landed: 0, fungibleMints: [] });
    } finally {
      await quiet.net.stop();
    }
  });
});

describe('with a running clock', () => {
  it('builds each slot’s share between slots and lands all of it', async () => {
    const live = await startTestLocalnet({ slotMs: 100, backgroundTps: 200 });
    try {
      await waitFor('five slots of background', () => background(live.net).landed >= 5 * PER_SLOT, { timeoutMs: 10_000, everyMs: 20 });
      await live.net.stop();
      const state = background(live.net);
      // 200 a second over 100 ms slots: 20 in each.
      expect(state.landed % PER_SLOT).toBe(0);
      expect(state).toMatchObject({ failed: 0, lost: 0, perSlot: PER_SLOT });
      const blocks = live.net.chain.state.blocks.filter((b) => b.slot > 0);
      expect(blocks.every((b) => b.signatures.length === PER_SLOT)).toBe(true);
    } finally {
      await live.net.stop();
    }
  });
});
