// Acceptance: a burst of mints requested through the outbox all confirm, each mint holds exactly
// one NFT owned by the requested wallet, and the status stream says submitted then confirmed
// with signature and slot. And a transfer requested right after its mint runs only after it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSubmitter } from './submitter.ts';
import {
  custodialWallet,
  harness,
  holdersOf,
  newWallet,
  requestMints,
  startTestSubmitter,
  submitterEnv,
  tailStatus,
  type Tail,
} from '../../test/support/submitter.ts';
import type { StatusEvent } from './events.ts';

const BURST = Number(process.env.SUBMITTER_TEST_BURST ?? 200);
const h = harness();
let submitter: RunningSubmitter;
let status: Tail<StatusEvent>;

beforeAll(async () => {
  status = await tailStatus(h);
  submitter = await startTestSubmitter(h, submitterEnv(h));
});
afterAll(async () => {
  await submitter?.close();
  await status?.stop();
  await h.close();
});

const eventsOf = (opId: string) => status.events.filter((e) => e.opId === opId);

describe('submitter: mints', () => {
  it(`confirms ${BURST} mints requested in one burst, one NFT each, owned by the requested wallet`, async () => {
    const ops = await requestMints(h, Array.from({ length: BURST }, newWallet));
    const ids = new Set(ops.map((o) => o.opId));
    await status.until((evs) => new Set(evs.filter((e) => ids.has(e.opId) && e.state === 'confirmed').map((e) => e.opId)).size === BURST, 240_000);

    for (const op of ops) {
      const evs = eventsOf(op.opId);
      expect(evs.map((e) => e.state).filter((s) => s !== 'finalized')).toEqual(['submitted', 'confirmed']);
      const confirmed = evs.find((e) => e.state === 'confirmed')!;
      expect(confirmed.signature).toEqual(evs[0]!.signature);
      expect(confirmed.slot).toBeGreaterThan(0);
      expect(confirmed.expectedOwner).toBe(op.to);
    }
    // On chain, for a sample spread over the burst (every one of them costs two RPC reads).
    for (const op of ops.filter((_, i) => i % Math.max(1, Math.floor(BURST / 25)) === 0)) {
      expect(await holdersOf(h, op.mint)).toEqual({ supply: '1', owners: [op.to] });
      const mintInfo = await h.conn.getParsedAccountInfo(new (await import('@solana/web3.js')).PublicKey(op.mint), 'confirmed');
      const info = (mintInfo.value?.data as { parsed: { info: { mintAuthority: string | null; decimals: number } } }).parsed.info;
      expect([info.mintAuthority, info.decimals]).toEqual([null, 0]);
    }
    // Exactly one attempt each: nothing was signed twice.
    const { rows } = await h.pool.query<{ n: string }>('SELECT count(*) AS n FROM submitter_attempts WHERE op_id = ANY($1::uuid[])', [[...ids]]);
    expect(Number(rows[0]!.n)).toBe(BURST);
  }, 300_000);

  it('runs a transfer requested right after its mint only after the mint confirmed', async () => {
    const owner = await custodialWallet(h);
    const next = newWallet();
    const client = await h.pool.connect();
    let mintOp: string, transferOp: string, mint: string;
    try {
      await client.query('BEGIN');
      const { createTicket } = await import('../../api/tickets.ts');
      const ticketId = `t-order-${Date.now()}`;
      await createTicket(client, { id: ticketId, eventId: 'submitter-test' });
      const m = await h.api.requestMint(client, { ticketId, to: owner.address, idempotencyKey: `mint-${ticketId}` });
      const t = await h.api.requestTransfer(client, { ticketId, to: next, idempotencyKey: `transfer-${ticketId}` });
      await client.query('COMMIT');
      [mintOp, transferOp, mint] = [m.opId, t.opId, m.mint];
    } finally {
      client.release();
    }
    await status.until(() => eventsOf(transferOp).some((e) => e.state === 'confirmed'));
    const order = status.events
      .filter((e) => e.opId === mintOp || e.opId === transferOp)
      .filter((e) => e.state !== 'finalized')
      .map((e) => `${e.type}:${e.state}`);
    expect(order).toEqual(['mint:submitted', 'mint:confirmed', 'transfer:submitted', 'transfer:confirmed']);
    const mintSlot = eventsOf(mintOp).find((e) => e.state === 'confirmed')!.slot!;
    expect(eventsOf(transferOp).find((e) => e.state === 'confirmed')!.slot!).toBeGreaterThan(mintSlot);
    expect(await holdersOf(h, mint)).toEqual({ supply: '1', owners: [next] });
  }, 240_000);
});
