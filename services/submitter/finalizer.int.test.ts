// The finality step on the stack's Postgres, with the chain's answers scripted: an op becomes
// finalized (state and one `finalized` event, in one statement) only when its signature is
// finalized; one that landed above the finalized slot is not even looked up; a second pass
// changes nothing. The ops are held by this test's leases, so no submitter runs them.
import { randomUUID } from 'node:crypto';
import type { Connection } from '@solana/web3.js';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../api/tickets.ts';
import type { RpcPool } from '../lib/solana/rpc-pool.ts';
import { mintAddressFor } from '../lib/solana/mint-address.ts';
import { finalizeOnce, finalizerCursor } from './finalizer.ts';
import { createSubmitterMetrics } from './metrics.ts';
import * as store from './store.ts';
import { harness, newWallet } from '../../test/support/submitter.ts';
import { randomHex } from '../../test/support/random.ts';

const h = harness();
const holder = `finalizer-test-${randomHex()}`;
const mine: string[] = [];
afterAll(async () => {
  await h.pool.query(`UPDATE submitter_ops SET state = 'finalized' WHERE op_id = ANY($1::uuid[])`, [mine]);
  await h.close();
});

/** A mint op stored as confirmed at `slot` with `signature`. */
async function confirmedOp(signature: string, slot: number): Promise<string> {
  const ticketId = `t-${randomHex(8)}`;
  await createTicket(h.pool, { id: ticketId, eventId: 'finalizer-test' });
  const mint = (await mintAddressFor(h.authority.publicKey, ticketId)).toBase58();
  expect(await store.claimLeases(h.pool, holder, [mint], 15 * 60_000)).toEqual([mint]);
  const opId = randomUUID();
  mine.push(opId);
  await store.insertOps(h.pool, [
    { opId, idempotencyKey: `k-${randomHex()}`, type: 'mint', mint, from: null, to: newWallet(), ticketId, requestedAt: Date.now(), generation: 1 },
  ]);
  await h.pool.query(`UPDATE submitter_ops SET state = 'confirmed', attempts = 1, last_signature = $2, last_slot = $3, confirmed_at = now() WHERE op_id = $1`, [
    opId,
    signature,
    slot,
  ]);
  return opId;
}

/** A chain whose finalized slot is `finalizedSlot` and which reports `finalized` for these signatures; it records what was asked. */
function scriptedChain(finalizedSlot: number, finalized: Set<string>) {
  const asked: string[] = [];
  const conn = { getSlot: async () => finalizedSlot } as unknown as Connection;
  const rpc = {
    call: <T>(_method: string, fn: (c: Connection, url: string) => Promise<T>) => fn(conn, 'scripted'),
    signatureStatuses: async (sigs: string[]) => {
      asked.push(...sigs);
      return sigs.map((s) => (finalized.has(s) ? { slot: 1, err: null, confirmationStatus: 'finalized' } : null));
    },
  } as unknown as RpcPool;
  return { rpc, asked };
}

/** Passes over every confirmed op, a page at a time, as the finalizer goes round the table. */
async function sweep(rpc: RpcPool, metrics: ReturnType<typeof createSubmitterMetrics>): Promise<void> {
  const cursor = finalizerCursor();
  do await finalizeOnce(h.pool, rpc, metrics, cursor);
  while (cursor.after !== null);
}

const stateOf = async (opId: string) => (await h.pool.query<{ state: string }>('SELECT state FROM submitter_ops WHERE op_id = $1', [opId])).rows[0]?.state;

describe('finalizeOnce', () => {
  it('finalizes an op once its signature is finalized, with one event; skips reading ops above the finalized slot', async () => {
    const [sigA, sigB, sigC] = [`sig-a-${randomHex(12)}`, `sig-b-${randomHex(12)}`, `sig-c-${randomHex(12)}`];
    const a = await confirmedOp(sigA, 50);
    const b = await confirmedOp(sigB, 60);
    const c = await confirmedOp(sigC, 500);
    const { rpc, asked } = scriptedChain(100, new Set([sigA, sigC]));
    const metrics = createSubmitterMetrics(new Registry());

    await sweep(rpc, metrics);
    expect(asked).toEqual(expect.arrayContaining([sigA, sigB]));
    expect(asked).not.toContain(sigC);
    const states = async () =>
      new Map(
        (await h.pool.query<{ op_id: string; state: string }>('SELECT op_id, state FROM submitter_ops WHERE op_id = ANY($1::uuid[])', [[a, b, c]])).rows.map(
          (r) => [r.op_id, r.state],
        ),
      );
    expect(await states()).toEqual(
      new Map([
        [a, 'finalized'],
        [b, 'confirmed'],
        [c, 'confirmed'],
      ]),
    );

    await sweep(rpc, metrics);
    const { rows } = await h.pool.query<{ op_id: string; state: string; payload: { state: string; signature: string } }>(
      `SELECT op_id, state, payload FROM submitter_status_outbox WHERE op_id = ANY($1::uuid[]) AND state = 'finalized'`,
      [[a, b, c]],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ op_id: a, payload: { state: 'finalized', signature: sigA } });
    // Kept off the topics: nobody consumes these test ops.
    await h.pool.query('UPDATE submitter_status_outbox SET published_at = now() WHERE op_id = ANY($1::uuid[]) AND published_at IS NULL', [[a, b, c]]);
  });

  it('reaches an op behind a full page of confirmed ops that never finalize', async () => {
    // Ops whose signatures the chain no longer reports stay confirmed; the finalizer once read the
    // oldest page again and again, and an op behind them was never finalized.
    const pageSize = 2;
    const stuck = [await confirmedOp(`sig-stuck-${randomHex(12)}`, 10), await confirmedOp(`sig-stuck-${randomHex(12)}`, 10)];
    await h.pool.query(`UPDATE submitter_ops SET confirmed_at = now() - interval '1 hour' WHERE op_id = ANY($1::uuid[])`, [stuck]);
    const sigD = `sig-d-${randomHex(12)}`;
    const d = await confirmedOp(sigD, 10);
    const { rpc } = scriptedChain(100, new Set([sigD]));
    const metrics = createSubmitterMetrics(new Registry());
    const { rows } = await h.pool.query<{ n: string }>(`SELECT count(*) AS n FROM submitter_ops WHERE state = 'confirmed'`);
    const passes = Math.ceil(Number(rows[0]!.n) / pageSize) + 2;

    const cursor = finalizerCursor(pageSize);
    for (let i = 0; i < passes && (await stateOf(d)) !== 'finalized'; i++) await finalizeOnce(h.pool, rpc, metrics, cursor);
    expect(await stateOf(d)).toBe('finalized');
    expect(await Promise.all(stuck.map(stateOf))).toEqual(['confirmed', 'confirmed']);
    await h.pool.query('UPDATE submitter_status_outbox SET published_at = now() WHERE op_id = $1 AND published_at IS NULL', [d]);
  });
});
