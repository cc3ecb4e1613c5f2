// Acceptance on the running pipeline (submitter, projector, reconciler as processes): transactions
// dropped on the chain until the submitter's retries are exhausted. The drop is scoped to this
// test's own accounts, so the shared chain keeps landing everybody else's.
// - a transfer: stuck while in flight, then dead-lettered, then handed to review (a failed
//   transfer moves value: the policy never re-requests it); nothing is left open.
// - a mint: stuck, dead-lettered, then requested again by the reconciler under the same op id and
//   idempotency key once the chain lets it through; it lands exactly once and nothing is left open.
// A blockhash lives 150 blocks (about a minute at the chain's 400 ms slots); the submitter gets
// one attempt per request, so each exhaustion takes about that long.
import { Connection, Keypair, PublicKey } from '@solana/web3.js';
import { randomInt } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpsApi } from '../../api/operations.ts';
import { createTicket, registerCustodialWallet } from '../../api/tickets.ts';
import { withTransaction } from '../lib/db.ts';
import type { OperationStatus } from '../lib/records.ts';
import { createRegistry } from '../lib/schemas.ts';
import { custodialKeypair, loadKeypairFile, loadMasterSeedFile } from '../lib/solana/keys.ts';
import { mintAddressFor } from '../lib/solana/mint-address.ts';
import { TOPICS } from '../lib/topics.ts';
import { testKafka } from '../../test/support/kafka.ts';
import { dropTransactionsTouching } from '../../test/support/localnet-faults.ts';
import { pipeline } from '../../test/support/pipeline.ts';
import { waitFor } from '../../test/support/wait.ts';
import { stackEnv } from '../../test/support/stack-env.ts';
import { randomHex } from '../../test/support/random.ts';

const env = stackEnv();
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 6 });
const authority = loadKeypairFile(env.AUTHORITY_KEYPAIR_PATH).publicKey;
const api = createOpsApi({ authority });
const seed = loadMasterSeedFile(env.CUSTODIAL_SEED_PATH);
const conn = new Connection(env.SOLANA_RPC_URL, 'confirmed');
const kafka = testKafka(env.KAFKA_BROKERS);
const registry = createRegistry(env.SCHEMA_REGISTRY_URL);
const STUCK_MS = 20_000;
const services = pipeline(
  { ...env },
  {
    submitter: { SUBMITTER_MAX_ATTEMPTS: '1' },
    reconciler: {
      RECONCILER_GROUP_ID: `test-reconciler-${randomHex()}`,
      // The stream join alone: a full run would compare every mint of the shared stack.
      RECONCILE_INTERVAL_MS: '0',
      RECONCILE_STUCK_MS: String(STUCK_MS),
      RECONCILE_EVAL_INTERVAL_MS: '1000',
      RECONCILE_GRACE_MS: '5000',
      HEAL_FAILED_OPERATION: 'retry',
      HEAL_RETRY_TYPES: 'mint',
      HEAL_MAX_RETRIES: '2',
    },
  },
);

/** chain.ops.dlq and chain.ops.status records produced from now on, decoded. */
async function tail<T>(topic: string) {
  const groupId = `dropped-test-${randomHex()}`;
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.setOffsets({ groupId, topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })) });
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId });
  const records: T[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic });
  await consumer.run({ eachMessage: async ({ message }) => void records.push((await registry.decode(message.value!)) as T) });
  return { records, stop: () => consumer.disconnect() };
}
type DeadLetterRecord = { opId: string | null; errorKind: string; reason: string; attempts: number };
let dlq: Awaited<ReturnType<typeof tail<DeadLetterRecord>>>;
let status: Awaited<ReturnType<typeof tail<OperationStatus>>>;
const dropped: string[] = [];

beforeAll(async () => {
  [dlq, status] = await Promise.all([tail<DeadLetterRecord>(TOPICS.opsDlq), tail<OperationStatus>(TOPICS.opsStatus)]);
  for (const s of ['projector', 'submitter', 'reconciler'] as const) await services.start(s);
}, 240_000);
afterAll(async () => {
  for (const account of dropped) await dropTransactionsTouching(env.SOLANA_RPC_URL, account, 0).catch(() => undefined);
  await services.stopAll();
  await Promise.all([dlq?.stop(), status?.stop()]);
  await pool.end();
}, 60_000);

async function custodialWallet(): Promise<string> {
  const index = randomInt(1_000_000, 2_000_000_000);
  const address = custodialKeypair(seed, index).publicKey.toBase58();
  await registerCustodialWallet(pool, { address, derivationIndex: index, label: 'dropped-tx test' });
  return address;
}
async function drop(account: string): Promise<void> {
  dropped.push(account);
  await dropTransactionsTouching(env.SOLANA_RPC_URL, account);
}
const undrop = (account: string) => dropTransactionsTouching(env.SOLANA_RPC_URL, account, 0);

const opRow = async (opId: string) =>
  (
    await pool.query<{ state: string; generation: number; last_error_kind: string | null }>(
      'SELECT state, generation, last_error_kind FROM chain_operations WHERE op_id = $1',
      [opId],
    )
  ).rows[0]!;
const discrepancies = async (mint: string) =>
  (
    await pool.query<{ id: string; kind: string; state: string; resolution: string | null }>(
      'SELECT id, kind, state, resolution FROM discrepancies WHERE mint = $1 ORDER BY detected_at',
      [mint],
    )
  ).rows;
const historyOf = async (id: string) =>
  (await pool.query<{ state: string; note: string | null }>('SELECT state, note FROM discrepancy_history WHERE discrepancy_id = $1 ORDER BY id', [id])).rows;
const stuckIn = (mint: string, state: string) => async () => (await discrepancies(mint)).find((d) => d.kind === 'stuck_operation' && d.state === state);
const deadLetterOf =
  (opId: string, after = 0) =>
  async () =>
    dlq.records.slice(after).find((r) => r.opId === opId);
const settled = (opId: string) => async () => {
  const r = await opRow(opId);
  return r.state === 'confirmed' || r.state === 'finalized' ? r : undefined;
};
async function holders(mint: string): Promise<{ supply: string; owners: string[] }> {
  const key = new PublicKey(mint);
  const supply = (await conn.getTokenSupply(key, 'confirmed')).value.amount;
  const owners: string[] = [];
  for (const a of (await conn.getTokenLargestAccounts(key, 'confirmed')).value) {
    if (a.amount === '0') continue;
    const info = await conn.getParsedAccountInfo(a.address, 'confirmed');
    owners.push((info.value?.data as { parsed: { info: { owner: string } } }).parsed.info.owner);
  }
  return { supply, owners };
}

const MINUTES = 60_000;

async function diagnosis(opId: string, mint: string): Promise<string> {
  const q = async (sql: string) => JSON.stringify((await pool.query(sql, [opId])).rows);
  const logTail = (name: 'submitter' | 'reconciler') =>
    services
      .logs(name)
      .split('\n')
      .filter((l) => l.includes(opId) || l.includes(mint) || /"level":(40|50)/.test(l))
      .slice(-15)
      .join('\n');
  return [
    `chain_operations: ${await q('SELECT state, generation, last_error_kind, updated_at FROM chain_operations WHERE op_id = $1')}`,
    `submitter_ops: ${await q('SELECT state, generation, attempts, attempt_base, last_error FROM submitter_ops WHERE op_id = $1')}`,
    `attempts: ${await q('SELECT attempt, outcome, created_at, sent_at FROM submitter_attempts WHERE op_id = $1 ORDER BY attempt')}`,
    `retries: ${await q('SELECT generation, previous_state, reason FROM chain_operation_retries WHERE op_id = $1 ORDER BY generation')}`,
    `discrepancies: ${JSON.stringify(await discrepancies(mint))}`,
    `status events: ${JSON.stringify(status.records.filter((e) => e.opId === opId).map((e) => [e.state, e.generation, e.errorKind]))}`,
    `submitter log:\n${logTail('submitter')}`,
    `reconciler log:\n${logTail('reconciler')}`,
  ].join('\n');
}

describe('transactions dropped until retries are exhausted, on the running pipeline', () => {
  it(
    'a transfer: stuck, then dead-lettered, then needs_review; a mint: stuck, dead-lettered, requested again, landed once; nothing left open',
    async () => {
      const ev = `dropped-${randomHex()}`;
      const [ticketA, ticketB] = [`${ev}-a`, `${ev}-b`];
      for (const id of [ticketA, ticketB]) await createTicket(pool, { id, eventId: ev });
      const holder = await custodialWallet();
      const mintA = (await withTransaction(pool, (c) => api.requestMint(c, { ticketId: ticketA, to: holder, idempotencyKey: `mint-${ticketA}` }))).mint;
      const mintB = (await mintAddressFor(authority, ticketB)).toBase58();
      const recipientB = Keypair.generate().publicKey.toBase58();

      const transferFlow = async () => {
        const first = await waitFor(
          'the first mint to land',
          settled((await pool.query<{ op_id: string }>('SELECT op_id FROM chain_operations WHERE mint = $1', [mintA])).rows[0]!.op_id),
          { timeoutMs: 3 * MINUTES, everyMs: 1000 },
        );
        expect(first.generation).toBe(1);
        const receiver = Keypair.generate().publicKey.toBase58();
        await drop(receiver);
        const transfer = await api.requestTransfer(pool, { ticketId: ticketA, to: receiver, idempotencyKey: `xfer-${ticketA}` });

        const stuck = await waitFor('stuck_operation open while the transfer is in flight', stuckIn(mintA, 'open'), { timeoutMs: 3 * MINUTES, everyMs: 1000 });
        const dead = await waitFor('the transfer on chain.ops.dlq', deadLetterOf(transfer.opId), { timeoutMs: 8 * MINUTES, everyMs: 1000 });
        expect(dead).toMatchObject({ errorKind: 'exhausted' });
        const reviewed = await waitFor(
          'the stuck transfer handed to review',
          async () => (await discrepancies(mintA)).find((d) => d.id === stuck.id && d.state === 'needs_review'),
          { timeoutMs: 2 * MINUTES, everyMs: 1000 },
        );
        expect(reviewed.resolution).toMatch(/transfer failed \(exhausted\).*retries only mint/);
        expect((await historyOf(stuck.id)).map((h) => h.state)).toEqual(['open', 'needs_review']);
        expect(await opRow(transfer.opId)).toMatchObject({ state: 'failed', generation: 1, last_error_kind: 'exhausted' });
        // Never requested again: the failed transfer's only status events are of its first generation.
        expect(status.records.filter((e) => e.opId === transfer.opId).every((e) => (e.generation ?? 1) === 1)).toBe(true);
        expect(await holders(mintA)).toEqual({ supply: '1', owners: [holder] });
        await undrop(receiver);
      };

      const mintFlow = async () => {
        await drop(mintB);
        const op = await withTransaction(pool, (c) => api.requestMint(c, { ticketId: ticketB, to: recipientB, idempotencyKey: `mint-${ticketB}` }));
        expect(op.mint).toBe(mintB);
        const stuck = await waitFor('stuck_operation open while the mint is in flight', stuckIn(mintB, 'open'), { timeoutMs: 3 * MINUTES, everyMs: 1000 });
        const dead = await waitFor('the mint on chain.ops.dlq', deadLetterOf(op.opId), { timeoutMs: 8 * MINUTES, everyMs: 500 });
        expect(dead).toMatchObject({ errorKind: 'exhausted' });
        // The chain lets the mint through again; the reconciler's re-request may already be on its
        // way (then that one is dropped too, and the next one lands).
        await undrop(mintB);

        const landed = await waitFor('the re-requested mint confirmed', settled(op.opId), { timeoutMs: 8 * MINUTES, everyMs: 1000 }).catch(
          async (err: unknown) => {
            // What the pipeline did, should it time out again (it did when the reconciler acted on a failure
            // before the projector had written it: see rowBehindFailure).
            throw new Error(`${(err as Error).message}\n${await diagnosis(op.opId, mintB)}`);
          },
        );
        expect(landed.generation).toBeGreaterThanOrEqual(2);
        const healed = await waitFor(
          'the stuck mint healed by the re-request',
          async () => (await discrepancies(mintB)).find((d) => d.id === stuck.id && d.state === 'healed'),
          { timeoutMs: MINUTES, everyMs: 1000 },
        );
        expect(healed.resolution).toMatch(new RegExp(`${op.opId} requested again as generation 2 \\(same op id and idempotency key\\)`));
        expect((await historyOf(stuck.id)).map((h) => h.state)).toEqual(['open', 'healed']);

        // Exactly one NFT, held by the recipient (invariant 2), and the whole history kept.
        expect(await holders(mintB)).toEqual({ supply: '1', owners: [recipientB] });
        const attempts = (
          await pool.query<{ attempt: number; outcome: string | null }>('SELECT attempt, outcome FROM submitter_attempts WHERE op_id = $1 ORDER BY attempt', [
            op.opId,
          ])
        ).rows;
        expect(attempts.map((a) => a.attempt)).toEqual(attempts.map((_, i) => i + 1));
        expect(attempts.filter((a) => a.outcome === 'confirmed')).toHaveLength(1);
        expect(attempts.length).toBeGreaterThanOrEqual(2);
        const generations = (
          await pool.query<{ generation: number; attempts_before: number }>(
            'SELECT generation, attempts_before FROM submitter_op_generations WHERE op_id = $1 ORDER BY generation',
            [op.opId],
          )
        ).rows;
        expect(generations[0]).toEqual({ generation: 2, attempts_before: 1 });
        const retries = (
          await pool.query<{ generation: number; previous_state: string; reason: string }>(
            'SELECT generation, previous_state, reason FROM chain_operation_retries WHERE op_id = $1 ORDER BY generation',
            [op.opId],
          )
        ).rows;
        expect(retries[0]).toMatchObject({ generation: 2, previous_state: 'failed', reason: expect.stringMatching(/^reconciler/) });
        // On the status stream: the first generation failed as exhausted, a later one confirmed.
        const events = status.records.filter((e) => e.opId === op.opId);
        expect(events.some((e) => e.state === 'failed' && (e.generation ?? 1) === 1 && e.errorKind === 'exhausted')).toBe(true);
        expect(events.some((e) => e.state === 'confirmed' && (e.generation ?? 1) >= 2)).toBe(true);
      };

      await Promise.all([transferFlow(), mintFlow()]);

      // needs_review is queued for a human, not open: the open count is back to zero.
      await waitFor(
        'no open discrepancy left for the two mints',
        async () => {
          const open = (
            await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM discrepancies WHERE mint = ANY($1) AND state = 'open'`, [[mintA, mintB]])
          ).rows[0]!.n;
          return open === 0 ? true : undefined;
        },
        { timeoutMs: 2 * MINUTES, everyMs: 1000 },
      );
      const finalStates = [...(await discrepancies(mintA)), ...(await discrepancies(mintB))].map((d) => `${d.kind}:${d.state}`);
      expect(finalStates).toContain('stuck_operation:needs_review');
      expect(finalStates).toContain('stuck_operation:healed');
      expect(finalStates.filter((s) => s.endsWith(':open'))).toEqual([]);
    },
    25 * MINUTES,
  );
});
