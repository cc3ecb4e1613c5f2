// Regression: a programming error (a TypeError from a bug) in an operation's step was retried
// forever, with the mint's lease held for good and the mint's later operations stuck behind it.
// Now the same internal error, met SUBMITTER_PARK_AFTER times, parks the operation for review:
// the error recorded on it, the lease released, a metric to alert on; and an operation whose
// transaction may be on chain is parked, never reported failed.
//
// The scheduler and executor run against the real database, in a schema of their own (so no other
// test's submitter takes these operations, and this one takes none of theirs), with RPC clients
// passed in that throw.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Keypair } from '@solana/web3.js';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv } from '../../test/support/stack-env.ts';
import { randomName } from '../../test/support/random.ts';
import { waitFor } from '../../test/support/wait.ts';
import { silentLogger } from '../lib/logger.ts';
import { backoffPolicy } from '../lib/retry.ts';
import { mintAddressFor } from '../lib/solana/mint-address.ts';
import type { RpcPool } from '../lib/solana/rpc-pool.ts';
import type { BlockhashCache } from './blockhash-cache.ts';
import type { ExecContext } from './executor.ts';
import { createSubmitterMetrics, type SubmitterMetrics } from './metrics.ts';
import { Scheduler } from './scheduler.ts';
import type { SignatureWatcher } from './signature-watcher.ts';
import * as store from './store.ts';

const PARK_AFTER = 3;
const TABLES = ['submitter_ops', 'submitter_attempts', 'submitter_leases', 'submitter_status_outbox', 'submitter_dead_letters'];
const schema = randomName('parked_test').replace('-', '_');
const admin = new pg.Pool({ connectionString: stackEnv().DATABASE_URL, max: 1 });
let pool: pg.Pool;
const running: Scheduler[] = [];

beforeAll(async () => {
  await admin.query(`CREATE SCHEMA ${schema}`);
  for (const t of TABLES) await admin.query(`CREATE TABLE ${schema}.${t} (LIKE public.${t} INCLUDING ALL)`);
  pool = new pg.Pool({ connectionString: stackEnv().DATABASE_URL, max: 4, options: `-c search_path=${schema}` });
});
const stopSchedulers = () => Promise.all(running.splice(0).map((s) => s.close()));
afterEach(stopSchedulers);
afterAll(async () => {
  await pool?.end();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

const authority = Keypair.generate();

async function requestMint(): Promise<{ opId: string; mint: string }> {
  const ticketId = randomName('t');
  const mint = (await mintAddressFor(authority.publicKey, ticketId)).toBase58();
  const opId = randomUUID();
  await store.insertOps(pool, [
    {
      opId,
      idempotencyKey: `k-${opId}`,
      type: 'mint',
      mint,
      from: null,
      to: Keypair.generate().publicKey.toBase58(),
      ticketId,
      requestedAt: Date.now(),
      generation: 1,
    },
  ]);
  return { opId, mint };
}

/** The executor's clients, each throwing where the test says; counts the calls that threw. */
function context(faults: { blockhash?: () => never; send?: () => never }): { ctx: ExecContext; thrown: () => number; metrics: SubmitterMetrics } {
  let thrown = 0;
  const fault = (f: () => never) => () => {
    thrown++;
    f();
  };
  const rpc = {
    call: async () => 1_461_600,
    // The fee quote: a simulation that used 50,000 units, and no recent priority fees.
    request: async (method: string) => (method === 'simulateTransaction' ? { value: { err: null, unitsConsumed: 50_000 } } : []),
    sendRaw: faults.send ? fault(faults.send) : async () => 'sent',
  } as unknown as RpcPool;
  const blockhashes = {
    get: faults.blockhash ? fault(faults.blockhash) : async () => ({ blockhash: Keypair.generate().publicKey.toBase58(), lastValidBlockHeight: 1_000 }),
  } as unknown as BlockhashCache;
  // Nothing lands, the height never moves: only the faults decide what happens.
  const watcher = { look: async () => (await sleep(5), { statuses: new Map(), blockHeight: 0 }) } as unknown as SignatureWatcher;
  const metrics = createSubmitterMetrics(new Registry(), () => store.parkedCount(pool));
  const ctx: ExecContext = {
    pool,
    rpc,
    watcher,
    blockhashes,
    metrics,
    logger: silentLogger(),
    authority,
    custodialSeed: new Uint8Array(32),
    rebroadcastMs: 0,
    maxAttempts: 5,
    parkAfter: PARK_AFTER,
    feePolicy: { percentile: 75, floor: 0, cap: 1_000_000, raisePercent: 100, limitMarginPercent: 20, fallbackLimit: 200_000 },
    retryBackoff: backoffPolicy({ initialMs: 1, maxMs: 5 }),
    onStatus: () => undefined,
  };
  return { ctx, thrown: () => thrown, metrics };
}

const throwing = (err: Error): never => {
  throw err;
};

function start(ctx: ExecContext, holder: string): Scheduler {
  const s = new Scheduler(pool, ctx, { holder, capacity: 4, leaseTtlMs: 600_000, scanMs: 50 }, silentLogger());
  s.start();
  running.push(s);
  return s;
}

const leaseOf = async (mint: string) => (await pool.query<{ holder: string }>('SELECT holder FROM submitter_leases WHERE mint = $1', [mint])).rows[0];
const opRow = async (opId: string) =>
  (
    await pool.query<{ state: string; attempts: number; parked_at: Date | null; parked_reason: string | null }>(
      'SELECT state, attempts, parked_at, parked_reason FROM submitter_ops WHERE op_id = $1',
      [opId],
    )
  ).rows[0]!;
const statesOf = async (opId: string) =>
  (await pool.query<{ state: string }>('SELECT state FROM submitter_status_outbox WHERE op_id = $1 ORDER BY id', [opId])).rows.map((r) => r.state);
/**
 * A mint requested (and `queueBehind` it), a scheduler started whose clients throw `faults`:
 * returns once the error was met PARK_AFTER times and the mint's lease is gone.
 */
async function parkedBy(faults: Parameters<typeof context>[0], queueBehind?: (mint: string) => Promise<unknown>) {
  const op = await requestMint();
  await queueBehind?.(op.mint);
  const { ctx, thrown, metrics } = context(faults);
  start(ctx, randomName('holder'));
  // Before: the error came back every few seconds, for ever, and the lease was never let go.
  await waitFor(
    `the lease of ${op.mint} released after the error was met ${PARK_AFTER} times`,
    async () => thrown() >= PARK_AFTER && (await leaseOf(op.mint)) === undefined,
    { timeoutMs: 20_000 },
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}: the error was met ${thrown()} times, and the lease is held by ${(await leaseOf(op.mint))?.holder ?? 'nobody'}`);
  });
  expect(thrown()).toBe(PARK_AFTER);
  return { op, metrics, row: await opRow(op.opId) };
}
const parkedCount = async (m: SubmitterMetrics, labels: { failure: string; on_chain: string }) =>
  (await m.parked.get()).values.find((v) => v.labels.failure === labels.failure && v.labels.on_chain === labels.on_chain)?.value ?? 0;

describe("regression: a programming error held the mint's lease forever", () => {
  it(`parks the operation after ${PARK_AFTER} of the same error, records it, releases the lease, and holds the mint's later operations back`, async () => {
    let next = '';
    const transferBehind = async (mint: string) => {
      [next] = (await store.insertOps(pool, [
        {
          opId: randomUUID(),
          idempotencyKey: `k-${randomUUID()}`,
          type: 'transfer',
          mint,
          from: Keypair.generate().publicKey.toBase58(),
          to: Keypair.generate().publicKey.toBase58(),
          ticketId: 't',
          requestedAt: Date.now(),
          generation: 1,
        },
      ])) as [string];
    };
    const { op, metrics, row } = await parkedBy(
      { blockhash: () => throwing(new TypeError("Cannot read properties of undefined (reading 'blockhash')")) },
      transferBehind,
    );

    expect(row).toMatchObject({ state: 'pending', attempts: 0 });
    expect(row.parked_at).not.toBeNull();
    expect(row.parked_reason).toMatch(/TypeError: Cannot read properties of undefined \(reading 'blockhash'\)/);
    expect(await statesOf(op.opId)).toEqual([]);
    expect(await parkedCount(metrics, { failure: 'programming', on_chain: 'no' })).toBe(1);
    expect((await metrics.parkedNow.get()).values[0]?.value).toBe(1);
    // Neither this instance nor another takes the mint up again while its head is parked: the
    // transfer after it waits (per mint, strictly in order).
    expect((await store.runnableHeads(pool, randomName('another-instance'), [], 100)).map((h) => h.mint)).not.toContain(op.mint);
    expect(await opRow(next)).toMatchObject({ state: 'pending', attempts: 0, parked_at: null });

    // A human who fixed the cause clears the mark; the operation is runnable again.
    await stopSchedulers();
    await pool.query('UPDATE submitter_ops SET parked_at = NULL WHERE op_id = $1', [op.opId]);
    expect((await store.runnableHeads(pool, randomName('another-instance'), [], 100)).map((h) => h.opId)).toContain(op.opId);
    // Not for the next test's scheduler, which shares these tables.
    await pool.query('DELETE FROM submitter_ops WHERE mint = $1', [op.mint]);
  });

  it('an operation whose transaction may be on chain is parked, never reported failed', async () => {
    const { op, metrics, row } = await parkedBy({ send: () => throwing(new TypeError('bytes.subarray is not a function')) });
    // The signed attempt was persisted before it was broadcast: it may be out, so the chain
    // decides. It stays submitted (no failed event, no dead letter, no second signature).
    expect(row).toMatchObject({ state: 'submitted', attempts: 1 });
    expect(row.parked_reason).toMatch(/TypeError: bytes.subarray is not a function/);
    expect(await statesOf(op.opId)).toEqual(['submitted']);
    expect((await pool.query('SELECT 1 FROM submitter_dead_letters WHERE op_id = $1', [op.opId])).rowCount).toBe(0);
    expect(await parkedCount(metrics, { failure: 'programming', on_chain: 'maybe' })).toBe(1);
  });
});
