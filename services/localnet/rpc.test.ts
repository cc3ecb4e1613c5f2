// Every HTTP method through web3.js Connection, which validates each response's shape.
import { afterAll, describe, expect, test } from 'vitest';
import { Keypair, LAMPORTS_PER_SOL, SendTransactionError, SystemProgram, Transaction, TransactionMessage, VersionedTransaction } from '@solana/web3.js';
import { fundedKeypair, land, startTestLocalnet } from '../../test/support/test-localnet.ts';

const { net, conn } = await startTestLocalnet({ confirmationSlots: 2 });
afterAll(() => net.stop());

async function raw(body: unknown): Promise<any> {
  const res = await fetch(net.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json();
}

describe('cluster methods', () => {
  test('version, health, genesis, slots, epoch, rent', async () => {
    expect((await conn.getVersion())['solana-core']).toMatch(/^\d/);
    expect(await raw({ jsonrpc: '2.0', id: 1, method: 'getHealth' })).toEqual({ jsonrpc: '2.0', id: 1, result: 'ok' });
    expect(await conn.getGenesisHash()).toBe(net.chain.state.genesisHash);
    net.advanceSlots(40);
    const processed = await conn.getSlot('processed');
    expect(await conn.getSlot('confirmed')).toBe(processed - 2);
    expect(await conn.getSlot('finalized')).toBe(processed - 2 - 32);
    expect(await conn.getBlockHeight('processed')).toBe(net.chain.tip().height);
    const epoch = await conn.getEpochInfo('processed');
    expect(epoch.absoluteSlot).toBe(processed);
    expect(epoch.slotsInEpoch).toBe(432000);
    expect(await conn.getMinimumBalanceForRentExemption(165)).toBe(2039280);
  });

  test('blockhashes are valid for 150 blocks at each commitment', async () => {
    const { blockhash, lastValidBlockHeight } = await conn.getLatestBlockhash('processed');
    expect(lastValidBlockHeight).toBe((await conn.getBlockHeight('processed')) + 150);
    expect((await conn.isBlockhashValid(blockhash, { commitment: 'processed' })).value).toBe(true);
    // Not yet seen by confirmed: that view is two blocks older.
    expect((await conn.isBlockhashValid(blockhash, { commitment: 'confirmed' })).value).toBe(false);
    net.advanceSlots(150);
    expect((await conn.isBlockhashValid(blockhash, { commitment: 'processed' })).value).toBe(true);
    net.advanceSlots(1);
    expect((await conn.isBlockhashValid(blockhash, { commitment: 'processed' })).value).toBe(false);
  });

  test('JSON-RPC errors: unknown method, bad params, batches, parse errors', async () => {
    expect((await raw({ jsonrpc: '2.0', id: 1, method: 'getFoo' })).error.code).toBe(-32601);
    expect((await raw({ jsonrpc: '2.0', id: 1, method: 'getBalance', params: ['nope'] })).error.code).toBe(-32602);
    expect((await raw({ jsonrpc: '2.0', id: 1, method: 'getSlot', params: [{ commitment: 'fast' }] })).error.code).toBe(-32602);
    const batch = await raw([
      { jsonrpc: '2.0', id: 1, method: 'getSlot', params: [{ commitment: 'processed' }] },
      { jsonrpc: '2.0', id: 2, method: 'nope' },
    ]);
    expect(batch.map((r: any) => r.id)).toEqual([1, 2]);
    expect(batch[0].result).toBe(net.chain.tip().slot);
    expect(batch[1].error.code).toBe(-32601);
    const res = await fetch(net.rpcUrl, { method: 'POST', body: '{' });
    expect(((await res.json()) as any).error.code).toBe(-32700);
  });
});

describe('accounts and transactions', () => {
  test('airdrop, balances per commitment, multiple accounts', async () => {
    const a = Keypair.generate();
    const sig = await conn.requestAirdrop(a.publicKey, 2 * LAMPORTS_PER_SOL);
    expect(await conn.getBalance(a.publicKey, 'processed')).toBe(0); // lands in the next slot
    net.advanceSlots(1);
    expect(await conn.getBalance(a.publicKey, 'processed')).toBe(2 * LAMPORTS_PER_SOL);
    expect(await conn.getBalance(a.publicKey, 'confirmed')).toBe(0);
    expect(await conn.getAccountInfo(a.publicKey, 'confirmed')).toBeNull();
    net.advanceSlots(2);
    expect(await conn.getBalance(a.publicKey, 'confirmed')).toBe(2 * LAMPORTS_PER_SOL);
    expect(await conn.getBalance(a.publicKey, 'finalized')).toBe(0);
    const info = await conn.getAccountInfo(a.publicKey, 'confirmed');
    expect(info?.owner.equals(SystemProgram.programId)).toBe(true);
    expect(info?.data.length).toBe(0);
    const multi = await conn.getMultipleAccountsInfo([a.publicKey, Keypair.generate().publicKey], 'confirmed');
    expect(multi[0]?.lamports).toBe(2 * LAMPORTS_PER_SOL);
    expect(multi[1]).toBeNull();
    net.advanceSlots(32);
    expect(await conn.getBalance(a.publicKey, 'finalized')).toBe(2 * LAMPORTS_PER_SOL);
    const status = (await conn.getSignatureStatus(sig)).value;
    expect(status?.confirmationStatus).toBe('finalized');
    expect(status?.confirmations).toBeNull();
  });

  test('transfer: statuses, getTransaction, getSignaturesForAddress', async () => {
    const a = await fundedKeypair(net, conn);
    const b = Keypair.generate();
    const tx = new Transaction().add(SystemProgram.transfer({ fromPubkey: a.publicKey, toPubkey: b.publicKey, lamports: LAMPORTS_PER_SOL }));
    const sig = await land(net, conn, tx, [a]);
    let st = (await conn.getSignatureStatuses([sig])).value[0];
    expect(st).toMatchObject({ confirmationStatus: 'processed', confirmations: 0, err: null });
    expect(await conn.getTransaction(sig, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })).toBeNull();
    net.advanceSlots(2);
    st = (await conn.getSignatureStatuses([sig])).value[0];
    expect(st?.confirmationStatus).toBe('confirmed');
    const got = await conn.getTransaction(sig, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
    expect(got?.meta?.err).toBeNull();
    expect(got?.meta?.fee).toBe(5000);
    expect(got?.meta?.postBalances[1]).toBe(LAMPORTS_PER_SOL);
    expect(got?.transaction.signatures[0]).toBe(sig);
    const parsed = await conn.getParsedTransaction(sig, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
    expect(parsed?.transaction.message.accountKeys[0]?.signer).toBe(true);
    const sigs = await conn.getSignaturesForAddress(b.publicKey, {}, 'confirmed');
    expect(sigs.map((s) => s.signature)).toEqual([sig]);
    // Status cache vs history search: an unknown signature is null either way.
    const unknown = '1'.repeat(64);
    expect((await conn.getSignatureStatuses([unknown], { searchTransactionHistory: true })).value[0]).toBeNull();
  });

  test('v0 transactions, base58 encoding and skipPreflight failures that land', async () => {
    const a = await fundedKeypair(net, conn);
    const { blockhash } = await conn.getLatestBlockhash('processed');
    const msg = new TransactionMessage({
      payerKey: a.publicKey,
      recentBlockhash: blockhash,
      instructions: [SystemProgram.transfer({ fromPubkey: a.publicKey, toPubkey: Keypair.generate().publicKey, lamports: 100 * LAMPORTS_PER_SOL })],
    }).compileToV0Message();
    const vtx = new VersionedTransaction(msg);
    vtx.sign([a]);
    // With preflight: the real error shape (-32002, logs in data).
    const err = await conn.sendTransaction(vtx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendTransactionError);
    expect((err as SendTransactionError).logs?.join('\n')).toContain('insufficient lamports');
    const body = await raw({
      jsonrpc: '2.0',
      id: 1,
      method: 'sendTransaction',
      params: [Buffer.from(vtx.serialize()).toString('base64'), { encoding: 'base64' }],
    });
    expect(body.error.code).toBe(-32002);
    expect(body.error.data.err).toEqual({ InstructionError: [0, { Custom: 1 }] });
    expect(body.error.data.unitsConsumed).toBeGreaterThan(0);
    // Simulation reports the same failure.
    const sim = await conn.simulateTransaction(vtx, { commitment: 'processed' });
    expect(sim.value.err).toEqual({ InstructionError: [0, { Custom: 1 }] });
    // Without preflight it lands as a failed transaction and the fee is charged.
    const { getBase58Decoder } = await import('@solana/kit');
    const sig = await raw({ jsonrpc: '2.0', id: 1, method: 'sendTransaction', params: [getBase58Decoder().decode(vtx.serialize()), { skipPreflight: true }] });
    net.advanceSlots(1);
    const st = (await conn.getSignatureStatus(sig.result)).value;
    expect(st?.err).toEqual({ InstructionError: [0, { Custom: 1 }] });
    expect(await conn.getBalance(a.publicKey, 'processed')).toBe(10 * LAMPORTS_PER_SOL - 5000);
    const tx = await conn.getTransaction(sig.result, { commitment: 'confirmed' }).catch((e: Error) => e);
    expect(tx).toBeNull(); // not confirmed yet
    net.advanceSlots(2);
    const v0err = await conn.getTransaction(sig.result, { commitment: 'confirmed' } as never).catch((e: Error) => e);
    expect(String(v0err)).toMatch(/maxSupportedTransactionVersion/);
    expect((await conn.getTransaction(sig.result, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 }))?.version).toBe(0);
  });

  test('simulateTransaction with accounts, and a successful simulation', async () => {
    const a = await fundedKeypair(net, conn);
    const b = Keypair.generate();
    const { blockhash } = await conn.getLatestBlockhash('processed');
    const msg = new TransactionMessage({
      payerKey: a.publicKey,
      recentBlockhash: blockhash,
      instructions: [SystemProgram.transfer({ fromPubkey: a.publicKey, toPubkey: b.publicKey, lamports: LAMPORTS_PER_SOL })],
    }).compileToV0Message();
    const vtx = new VersionedTransaction(msg);
    vtx.sign([a]);
    const sim = await conn.simulateTransaction(vtx, { accounts: { addresses: [b.publicKey.toBase58()], encoding: 'base64' }, sigVerify: true });
    expect(sim.value.err).toBeNull();
    expect(sim.value.logs?.[0]).toContain('invoke');
    expect(sim.value.accounts?.[0]?.lamports).toBe(LAMPORTS_PER_SOL);
    expect(await conn.getBalance(b.publicKey, 'processed')).toBe(0); // simulation changes nothing
  });
});
