// getBlock (signature-level detail) and getBlocks through @solana/web3.js and @solana/kit, and the
// errors a node gives for a slot it has no block for.
import { createSolanaRpc } from '@solana/kit';
import { Keypair, SystemProgram, Transaction } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundedKeypair, land, startTestLocalnet } from '../../test/support/test-localnet.ts';
import type { Localnet } from './server.ts';

let net: Localnet;
let conn: Awaited<ReturnType<typeof startTestLocalnet>>['conn'];
beforeAll(async () => ({ net, conn } = await startTestLocalnet({ profile: 'public' })));
afterAll(() => net.stop());

describe('blocks', () => {
  it('serves a block’s signatures at confirmed and finalized, and lists the slots that have blocks', async () => {
    const payer = await fundedKeypair(net, conn);
    const signature = await land(
      net,
      conn,
      new Transaction().add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: 1_000_000 })),
      [payer],
    );
    net.advanceSlots(3);
    const { slot } = (await conn.getSignatureStatuses([signature])).value[0]!;
    // web3.js asks for signature-level detail through getBlockSignatures.
    const block = await conn.getBlockSignatures(slot);
    expect(block.signatures).toContain(signature);
    expect(block).toMatchObject({ blockHeight: expect.any(Number), blockTime: expect.any(Number), parentSlot: slot - 1 });
    const parent = await conn.getBlock(slot - 1, { transactionDetails: 'none', rewards: false, maxSupportedTransactionVersion: 0 });
    expect(block.previousBlockhash).toBe(parent?.blockhash);

    const rpc = createSolanaRpc(net.rpcUrl);
    const kitBlock = await rpc.getBlock(BigInt(slot), { transactionDetails: 'signatures', rewards: false, maxSupportedTransactionVersion: 0 }).send();
    expect(kitBlock?.signatures).toContain(signature);
    expect(await rpc.getBlocks(BigInt(slot - 1), BigInt(slot)).send()).toEqual([BigInt(slot - 1), BigInt(slot)]);

    // Rooted, then still served from the kept history.
    net.advanceSlots(40);
    expect((await conn.getBlockSignatures(slot, 'finalized')).signatures).toContain(signature);
    expect(await conn.getBlocks(slot, slot + 2, 'finalized')).toEqual([slot, slot + 1, slot + 2]);
  });

  it('answers a slot above the view, a forked-away slot and a bad request as a node does', async () => {
    const tip = (await conn.getSlot('confirmed')) + 100;
    await expect(conn.getBlock(tip, { transactionDetails: 'none', maxSupportedTransactionVersion: 0 })).rejects.toThrow(`Block not available for slot ${tip}`);
    net.fork();
    net.advanceSlots(4);
    const slots = await conn.getBlocks(0, undefined, 'confirmed');
    const skipped = slots.findIndex((s, i) => i > 0 && s !== slots[i - 1]! + 1);
    expect(skipped).toBeGreaterThan(0);
    const gap = slots[skipped - 1]! + 1;
    await expect(conn.getBlock(gap, { transactionDetails: 'none', maxSupportedTransactionVersion: 0 })).rejects.toThrow(/was skipped/);
    await expect(conn.getBlock(1, { transactionDetails: 'full', maxSupportedTransactionVersion: 0 })).rejects.toThrow(/transactionDetails/);
    await expect(conn.getBlocks(0, 600_000)).rejects.toThrow(/Slot range too large/);
  });
});
