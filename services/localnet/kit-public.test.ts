// What a @solana/kit client gets from the `public` profile for the methods a public-cluster client
// of chainsync uses, in their standard shapes: the largest token accounts of a mint, a simulation's
// units, a message's fee, recent priority fees, blocks; and a rate limit as kit reports it.
import { address, createSolanaRpc, isSolanaError, type Base64EncodedWireTransaction, type TransactionMessageBytesBase64 } from '@solana/kit';
import { getAssociatedTokenAddressSync } from '@solana/spl-token';
import { ComputeBudgetProgram, Keypair, SystemProgram, Transaction } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundedKeypair, mintNft, startTestLocalnet } from '../../test/support/test-localnet.ts';
import type { Localnet } from './server.ts';

let net: Localnet;
let conn: Awaited<ReturnType<typeof startTestLocalnet>>['conn'];
beforeAll(async () => ({ net, conn } = await startTestLocalnet({ profile: 'public' })));
afterAll(() => net.stop());

describe('kit on the public profile', () => {
  it('gets standard answers: largest accounts, simulated units, a message fee, recent fees, blocks', async () => {
    const rpc = createSolanaRpc(`${net.rpcUrl}/?api-key=kit`);
    const payer = await fundedKeypair(net, conn);
    const holder = Keypair.generate().publicKey;
    const { mint } = await mintNft(net, conn, payer, holder, { slots: 3 });

    const largest = await rpc.getTokenLargestAccounts(address(mint.toBase58()), { commitment: 'confirmed' }).send();
    expect(largest.value).toEqual([
      { address: address(getAssociatedTokenAddressSync(mint, holder).toBase58()), amount: '1', decimals: 0, uiAmount: 1, uiAmountString: '1' },
    ]);
    expect(typeof largest.context.slot).toBe('bigint');

    const { blockhash } = await conn.getLatestBlockhash('confirmed');
    const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: blockhash }).add(
      ComputeBudgetProgram.setComputeUnitLimit({ units: 50_000 }),
      ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 2_000 }),
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: 1_000_000 }),
    );
    tx.sign(payer);
    const wire = tx.serialize().toString('base64') as Base64EncodedWireTransaction;
    const sim = await rpc.simulateTransaction(wire, { encoding: 'base64', sigVerify: false, replaceRecentBlockhash: true }).send();
    expect(sim.value.err).toBeNull();
    expect(sim.value.unitsConsumed).toBeGreaterThan(0n);
    expect(sim.value.unitsConsumed).toBeLessThan(50_000n);

    const message = tx.serializeMessage().toString('base64') as TransactionMessageBytesBase64;
    // 5,000 for the signature and 2,000 micro-lamports × 50,000 units = 100 lamports.
    expect((await rpc.getFeeForMessage(message, { commitment: 'confirmed' }).send()).value).toBe(5_100n);

    net.advanceSlots(2);
    const fees = await rpc.getRecentPrioritizationFees([address(payer.publicKey.toBase58())]).send();
    expect(fees.length).toBeGreaterThan(0);
    expect(fees.every((f) => typeof f.slot === 'bigint' && typeof f.prioritizationFee === 'bigint')).toBe(true);

    const tip = await rpc.getSlot({ commitment: 'confirmed' }).send();
    const slots = await rpc.getBlocks(tip - 3n, tip, { commitment: 'confirmed' }).send();
    expect(slots.at(-1)).toBe(tip);
    const block = await rpc
      .getBlock(tip, { commitment: 'confirmed', transactionDetails: 'signatures', rewards: false, maxSupportedTransactionVersion: 0 })
      .send();
    expect(block).toMatchObject({ blockhash: expect.any(String), parentSlot: expect.any(BigInt), signatures: expect.any(Array) });
  });

  it('reports a client past its rate as kit reports an HTTP 429', async () => {
    const rpc = createSolanaRpc(`${net.rpcUrl}/?api-key=kit-busy`);
    // Distinct requests (kit sends identical ones in flight together only once), in rounds until
    // the bucket runs dry: the burst and a few seconds of refill.
    const failed: unknown[] = [];
    for (let round = 0; round < 20 && failed.length === 0; round++) {
      const calls = Array.from({ length: 500 }, () =>
        rpc
          .getBalance(address(Keypair.generate().publicKey.toBase58()))
          .send()
          .then(
            () => null,
            (e: unknown) => e,
          ),
      );
      failed.push(...(await Promise.all(calls)).filter((e) => e !== null));
    }
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((e) => isSolanaError(e) && JSON.stringify((e as { context: unknown }).context).includes('429'))).toBe(true);
  });
});
