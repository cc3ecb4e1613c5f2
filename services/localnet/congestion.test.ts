// The fee market through standard clients: under congestion a transaction priced below the
// level is accepted and never lands, one that pays it lands, and the recent levels and a
// message's fee are reported as a node reports them.
import { address, createSolanaRpc } from '@solana/kit';
import { ComputeBudgetProgram, Keypair, SystemProgram, Transaction } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundedKeypair, startTestLocalnet } from '../../test/support/test-localnet.ts';
import { applyFaults } from './admin.ts';
import type { Localnet } from './server.ts';

let net: Localnet;
let conn: Awaited<ReturnType<typeof startTestLocalnet>>['conn'];
beforeAll(async () => ({ net, conn } = await startTestLocalnet({ profile: 'public' })));
afterAll(() => net.stop());

async function send(payer: Keypair, microLamports: number | null): Promise<string> {
  const tx = new Transaction();
  if (microLamports !== null) tx.add(ComputeBudgetProgram.setComputeUnitLimit({ units: 10_000 }), ComputeBudgetProgram.setComputeUnitPrice({ microLamports }));
  tx.add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: 1_000_000 }));
  tx.recentBlockhash = (await conn.getLatestBlockhash('processed')).blockhash;
  tx.feePayer = payer.publicKey;
  tx.sign(payer);
  return conn.sendRawTransaction(tx.serialize(), { skipPreflight: true });
}

describe('congestion', () => {
  it('lands what pays the level and never what pays less, and reports the level and the fee', async () => {
    const payer = await fundedKeypair(net, conn);
    applyFaults(net, { congestion: { microLamports: 5_000 } });
    const cheap = await send(payer, null);
    const low = await send(payer, 4_999);
    const paid = await send(payer, 5_000);
    net.advanceSlots(4);
    const statuses = (await conn.getSignatureStatuses([cheap, low, paid])).value;
    expect(statuses.map((s) => s?.confirmationStatus ?? null)).toEqual([null, null, 'confirmed']);

    const rpc = createSolanaRpc(net.rpcUrl);
    const recent = await rpc.getRecentPrioritizationFees([address(payer.publicKey.toBase58())]).send();
    expect(recent.at(-1)).toEqual({ slot: expect.any(BigInt), prioritizationFee: 5_000n });

    const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: (await conn.getLatestBlockhash()).blockhash }).add(
      ComputeBudgetProgram.setComputeUnitLimit({ units: 10_000 }),
      ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 5_000 }),
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: payer.publicKey, lamports: 1 }),
    );
    // 5,000 per signature and 5,000 micro-lamports × 10,000 units = 50 lamports.
    expect((await conn.getFeeForMessage(tx.compileMessage())).value).toBe(5_050);

    applyFaults(net, { congestion: null });
    net.advanceSlots(1);
    expect((await rpc.getRecentPrioritizationFees().send()).at(-1)?.prioritizationFee).toBe(0n);
    expect(() => applyFaults(net, { congestion: { microLamports: -1 } })).toThrow(/congestion must be/);
  });
});
