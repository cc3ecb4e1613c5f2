// retryOperation on the real stack: the re-request is written in the caller's transaction (row,
// audit, outbox), Debezium carries it with its generation, and it is refused where running the
// operation again would not be safe or would reorder the ticket's operations.
// The operations are written straight into chain_operations (no outbox row of their own): a
// submitter on the shared stack never sees their first generation, so their state is the test's.
import { randomUUID } from 'node:crypto';
import { Keypair } from '@solana/web3.js';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../services/lib/db.ts';
import { InvalidInputError } from '../services/lib/errors.ts';
import { loadKeypairFile } from '../services/lib/solana/keys.ts';
import { mintAddressFor } from '../services/lib/solana/mint-address.ts';
import { TOPICS } from '../services/lib/topics.ts';
import { collectUntil, testKafka } from '../test/support/kafka.ts';
import { stackEnv } from '../test/support/stack-env.ts';
import { createOpsApi } from './operations.ts';
import { createTicket } from './tickets.ts';
import { randomHex } from '../test/support/random.ts';

const env = stackEnv();
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
const authority = loadKeypairFile(env.AUTHORITY_KEYPAIR_PATH).publicKey;
const api = createOpsApi({ authority });
afterAll(() => pool.end());

interface Seeded {
  opId: string;
  ticketId: string;
  mint: string;
  key: string;
}

/** A ticket and one operation in the given state, as the projector would have left it. */
async function seedOp(state: string, over: { ticketId?: string; type?: string; requestedAt?: string; errorKind?: string | null } = {}): Promise<Seeded> {
  const ticketId = over.ticketId ?? `retry-${randomHex()}`;
  if (!over.ticketId) await createTicket(pool, { id: ticketId, eventId: 'retry-test' });
  const mint = (await mintAddressFor(authority, ticketId)).toBase58();
  await pool.query(`UPDATE tickets SET mint_address = $2, status = 'mint_requested' WHERE id = $1`, [ticketId, mint]);
  const opId = randomUUID();
  const key = `k-${opId}`;
  await pool.query(
    `INSERT INTO chain_operations (op_id, idempotency_key, request_hash, type, ticket_id, mint, to_wallet, state, attempts, last_error, last_error_kind, requested_at)
     VALUES ($1, $2, 'h', $3, $4, $5, $6, $7, 2, $8, $9, coalesce($10::timestamptz, now()))`,
    [
      opId,
      key,
      over.type ?? 'mint',
      ticketId,
      mint,
      Keypair.generate().publicKey.toBase58(),
      state,
      state === 'failed' ? 'blockhash expired on all 2 attempts' : null,
      over.errorKind === undefined ? (state === 'failed' ? 'exhausted' : null) : over.errorKind,
      over.requestedAt ?? null,
    ],
  );
  return { opId, ticketId, mint, key };
}

const row = async (opId: string) =>
  (await pool.query('SELECT state, generation, last_error, last_error_kind FROM chain_operations WHERE op_id = $1', [opId])).rows[0] as {
    state: string;
    generation: number;
    last_error: string | null;
    last_error_kind: string | null;
  };
const outbox = async (mint: string) =>
  (await pool.query<{ id: string; payload: Record<string, unknown> }>('SELECT id, payload FROM chain_outbox WHERE aggregateid = $1', [mint])).rows;
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('retryOperation', () => {
  it('requests a failed operation again one generation higher, with the same op id and key, in the caller transaction; Debezium carries the generation', async () => {
    const op = await seedOp('failed');
    const r = await withTransaction(pool, (c) => api.retryOperation(c, { opId: op.opId, generation: 1, reason: 'test: dropped until exhausted' }));
    expect(r).toEqual({ retried: true, opId: op.opId, generation: 2 });
    expect(await row(op.opId)).toEqual({ state: 'requested', generation: 2, last_error: null, last_error_kind: null });
    const audit = (
      await pool.query('SELECT generation, previous_state, previous_error, previous_attempts, reason FROM chain_operation_retries WHERE op_id = $1', [op.opId])
    ).rows;
    expect(audit).toEqual([
      {
        generation: 2,
        previous_state: 'failed',
        previous_error: 'blockhash expired on all 2 attempts',
        previous_attempts: 2,
        reason: 'test: dropped until exhausted',
      },
    ]);
    const [event] = await outbox(op.mint);
    expect(event!.id).not.toBe(op.opId);
    expect(event!.payload).toMatchObject({ opId: op.opId, idempotencyKey: op.key, type: 'mint', mint: op.mint, ticketId: op.ticketId, generation: 2 });

    const { seen } = await collectUntil(
      testKafka(env.KAFKA_BROKERS),
      TOPICS.opsRequested,
      (s) => s.some((m) => m.message.headers?.id?.toString() === event!.id),
      90_000,
    );
    const record = seen.find((m) => m.message.headers?.id?.toString() === event!.id)!;
    expect(record.message.key?.toString()).toBe(op.mint);
    expect(JSON.parse(record.message.value!.toString())).toMatchObject({ opId: op.opId, idempotencyKey: op.key, generation: 2 });
  });

  it('re-requests once when two callers saw the same failure', async () => {
    const op = await seedOp('failed');
    const results = await Promise.all(
      [1, 2, 3].map(() => withTransaction(pool, (c) => api.retryOperation(c, { opId: op.opId, generation: 1, reason: 'race' }))),
    );
    expect(results.filter((r) => r.retried)).toHaveLength(1);
    expect(results.find((r) => !r.retried)).toMatchObject({ generation: 2, why: expect.stringMatching(/already requested again/) });
    expect(await outbox(op.mint)).toHaveLength(1);
    // Without a generation to compare, the operation is judged as it is now: requested, not failed.
    expect(await refusal(api.retryOperation(pool, { opId: op.opId, reason: 'again' }))).toBeInstanceOf(InvalidInputError);
  });

  it('refuses what did not fail, and a failed operation with a live one requested after it', async () => {
    for (const state of ['submitted', 'confirmed', 'finalized', 'dead_lettered', 'requested']) {
      const op = await seedOp(state);
      const err = await refusal(api.retryOperation(pool, { opId: op.opId, reason: 'test' }));
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message).toMatch(new RegExp(`is ${state}; only a failed operation`));
      expect(await outbox(op.mint)).toEqual([]);
    }
    const first = await seedOp('failed', { requestedAt: new Date(Date.now() - 60_000).toISOString() });
    const live = await seedOp('submitted', { ticketId: first.ticketId, type: 'transfer' });
    expect(((await refusal(api.retryOperation(pool, { opId: first.opId, reason: 'test' }))) as Error).message).toMatch(
      new RegExp(`live operation requested after it \\(${live.opId}\\)`),
    );
    // Once the later one failed too, nothing would be reordered.
    await pool.query(`UPDATE chain_operations SET state = 'failed' WHERE op_id = $1`, [live.opId]);
    expect(await api.retryOperation(pool, { opId: first.opId, reason: 'test' })).toMatchObject({ retried: true, generation: 2 });
    await expect(api.retryOperation(pool, { opId: randomUUID(), reason: 'test' })).rejects.toThrow(/does not exist/);
    await expect(api.retryOperation(pool, { opId: first.opId, reason: ' ' })).rejects.toThrow(/needs a reason/);
  });

  it('leaves nothing behind when the caller rolls back', async () => {
    const op = await seedOp('failed');
    await expect(
      withTransaction(pool, async (c) => {
        await api.retryOperation(c, { opId: op.opId, reason: 'rolled back' });
        throw new Error('business rule failed after the re-request');
      }),
    ).rejects.toThrow('business rule failed');
    expect(await row(op.opId)).toMatchObject({ state: 'failed', generation: 1 });
    expect(await outbox(op.mint)).toEqual([]);
    expect((await pool.query('SELECT count(*)::int AS n FROM chain_operation_retries WHERE op_id = $1', [op.opId])).rows[0].n).toBe(0);
  });
});
