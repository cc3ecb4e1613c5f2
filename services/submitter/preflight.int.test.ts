// The submitter simulates each attempt's draft for its compute units, so the node's preflight
// (the same simulation again) is skipped on the first send of an attempt that simulated cleanly;
// an attempt whose draft failed simulation is sent with preflight, and the node's refusal ends
// the op as before. Seen from the requests themselves, through a recording proxy.
import { getBase58Decoder } from '@solana/kit';
import { Keypair, PublicKey, VersionedTransaction } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundedKeypair, transferNft } from '../../test/support/chain.ts';
import { startRpcRecorder, type RpcRecorder } from '../../test/support/rpc-recorder.ts';
import { custodialWallet, harness, newWallet, requestMints, startTestSubmitter, submitterEnv, tailStatus, type Tail } from '../../test/support/submitter.ts';
import type { StatusEvent } from './events.ts';
import type { RunningSubmitter } from './submitter.ts';

const h = harness();
let recorder: RpcRecorder;
let submitter: RunningSubmitter;
let status: Tail<StatusEvent>;

beforeAll(async () => {
  recorder = await startRpcRecorder(h.env.SOLANA_RPC_URL);
  status = await tailStatus(h);
  submitter = await startTestSubmitter(h, submitterEnv(h, { SOLANA_RPC_URL: recorder.url }));
});
afterAll(async () => {
  await submitter?.close();
  await status?.stop();
  await recorder?.close();
  await h.close();
});

const base58 = getBase58Decoder();
/** The sendTransaction requests of `signature`, with the preflight each asked for. */
const sendsOf = (signature: string) =>
  recorder.calls
    .filter((c) => c.method === 'sendTransaction')
    .map((c) => ({ tx: VersionedTransaction.deserialize(Buffer.from(String(c.params[0]), 'base64')), config: c.params[1] as { skipPreflight?: boolean } }))
    .filter((s) => base58.decode(s.tx.signatures[0]!) === signature);

const finalEvent = (opId: string, state: StatusEvent['state']) =>
  status.until((evs) => evs.some((e) => e.opId === opId && e.state === state), 60_000).then((evs) => evs.find((e) => e.opId === opId && e.state === state)!);

describe('submitter: preflight', () => {
  it('sends a cleanly simulated attempt once, without preflight, and it confirms', async () => {
    const [op] = await requestMints(h, [newWallet()]);
    const confirmed = await finalEvent(op!.opId, 'confirmed');
    const sends = sendsOf(confirmed.signature!);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.config.skipPreflight).toBe(true);
    // The simulation it stands on: the draft of this op, made before the send.
    const simulated = recorder.calls.filter((c) => c.method === 'simulateTransaction').length;
    expect(simulated).toBeGreaterThanOrEqual(1);
  });

  it('sends an attempt whose draft failed simulation with preflight, and the refusal fails the op', async () => {
    const holder = await custodialWallet(h);
    const [minted] = await requestMints(h, [holder.address]);
    await finalEvent(minted!.opId, 'confirmed');
    // The NFT leaves the custodial wallet on chain, behind the platform's back: a transfer from
    // that wallet now fails in simulation.
    const payer = await fundedKeypair(h.conn);
    await transferNft(h.conn, payer, new PublicKey(minted!.mint), holder.keypair, Keypair.generate().publicKey);
    const client = await h.pool.connect();
    const op = await h.api
      .requestTransfer(client, { ticketId: minted!.ticketId, from: holder.address, to: newWallet(), idempotencyKey: `transfer-${minted!.ticketId}` })
      .finally(() => client.release());

    const failed = await finalEvent(op.opId, 'failed');
    const submitted = status.events.find((e) => e.opId === op.opId && e.state === 'submitted');
    expect(submitted?.signature).toBeTruthy();
    const sends = sendsOf(submitted!.signature!);
    expect(sends.length).toBeGreaterThanOrEqual(1);
    expect(sends[0]!.config.skipPreflight).toBe(false);
    expect(failed.error).toBeTruthy();
  });
});
