// The intake's side of a re-request (api retryOperation), on the stack's Postgres: a higher
// generation of a known op re-opens it only after an exhausted failure, keeps its history, and is
// refused with a dead letter after a permanent one; redeliveries change nothing.
// The records go straight to takeIn, and this test holds each mint's lease, so no submitter on
// the shared stack runs these operations.
import { afterAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../api/tickets.ts';
import { withTransaction } from '../lib/db.ts';
import { TOPICS } from '../lib/topics.ts';
import { statusEvent, type DeadLetter } from './events.ts';
import { takeIn } from './intake.ts';
import type { Operation } from './operation.ts';
import * as store from './store.ts';
import { harness } from '../../test/support/submitter.ts';
import { randomHex } from '../../test/support/random.ts';
import { heldMintRequest, intakeContext, requestRecord } from '../../test/support/intake.ts';

const h = harness();
const holder = `rerequest-test-${randomHex()}`;
const ctx = intakeContext(h);
const mine: string[] = [];
afterAll(async () => {
  // Left failed, so that nobody runs them once the leases run out.
  await h.pool.query(`UPDATE submitter_ops SET state = 'failed' WHERE op_id = ANY($1::uuid[])`, [mine]);
  await h.close();
});

const intake = (...ops: Operation[]) => takeIn(ctx, [{ topic: TOPICS.opsRequested, partition: 0, messages: ops.map(requestRecord) }]);

/** A mint operation taken in, held by this test's lease. */
async function takenIn(): Promise<Operation> {
  const ticketId = `t-${randomHex(8)}`;
  await createTicket(h.pool, { id: ticketId, eventId: 'rerequest-test' });
  const op = await heldMintRequest(h, holder, ticketId);
  mine.push(op.opId);
  expect(await intake(op)).toMatchObject({ inserted: 1 });
  return op;
}

/** The executor's failure of `attempt`, as it writes it (state, failed event, dead letter); kept off the topics. */
async function fail(op: Operation, attempt: number, kind: DeadLetter['errorKind']): Promise<void> {
  await withTransaction(h.pool, async (c) => {
    await c.query(
      `INSERT INTO submitter_attempts (op_id, attempt, signature, tx_bytes, blockhash, last_valid_block_height, outcome) VALUES ($1, $2, $3, '\\x00', 'bh', 1, 'expired')`,
      [op.opId, attempt, `sig-${randomHex(16)}`],
    );
    await c.query('UPDATE submitter_ops SET attempts = $2 WHERE op_id = $1', [op.opId, attempt]);
    const reason = `${kind} at attempt ${attempt}`;
    const dl: DeadLetter = {
      opId: op.opId,
      mint: op.mint,
      rawPayload: JSON.stringify(op),
      errorKind: kind,
      reason,
      attempts: attempt,
      sourceTopic: TOPICS.opsRequested,
      sourcePartition: -1,
      sourceOffset: '',
      at: Date.now(),
    };
    await store.markFailed(c, op.opId, statusEvent(op, 'failed', { attempt, error: reason, errorKind: kind, at: Date.now() }), dl);
    await c.query('UPDATE submitter_status_outbox SET published_at = now() WHERE op_id = $1 AND published_at IS NULL', [op.opId]);
    await c.query('UPDATE submitter_dead_letters SET published_at = now() WHERE op_id = $1 AND published_at IS NULL', [op.opId]);
  });
}

const opRow = async (opId: string) =>
  (await h.pool.query('SELECT state, generation, attempts, attempt_base, last_error FROM submitter_ops WHERE op_id = $1', [opId])).rows[0] as Record<
    string,
    unknown
  >;
const deadLetters = async (opId: string) =>
  (
    await h.pool.query<{ dedupe_key: string; error_kind: string; reason: string }>(
      'SELECT dedupe_key, error_kind, reason FROM submitter_dead_letters WHERE op_id = $1 ORDER BY id',
      [opId],
    )
  ).rows;

describe('intake: a re-request (higher generation) of a known operation', () => {
  it('re-opens an exhausted failure with its attempts as the new base; the next failure gets its own dead letter; redeliveries change nothing', async () => {
    const op = await takenIn();
    await fail(op, 1, 'exhausted');
    const again = { ...op, generation: 2 };
    expect(await intake(again)).toMatchObject({ reopened: 1, inserted: 0, deadLettered: 0 });
    expect(await opRow(op.opId)).toEqual({ state: 'pending', generation: 2, attempts: 1, attempt_base: 1, last_error: null });
    const gens = (await h.pool.query('SELECT generation, previous_error, attempts_before FROM submitter_op_generations WHERE op_id = $1', [op.opId])).rows;
    expect(gens).toEqual([{ generation: 2, previous_error: 'exhausted at attempt 1', attempts_before: 1 }]);
    expect((await deadLetters(op.opId)).map((d) => d.dedupe_key)).toEqual([`op:${op.opId}:g1`]);
    // The re-request again, and the first request again: duplicates.
    expect(await intake(again, op, again)).toMatchObject({ reopened: 0, duplicates: 3, deadLettered: 0 });
    expect(await opRow(op.opId)).toMatchObject({ state: 'pending', generation: 2, attempt_base: 1 });

    // The second generation fails too: a dead letter of its own, and a third generation re-opens.
    await fail(op, 2, 'exhausted');
    expect((await deadLetters(op.opId)).map((d) => d.dedupe_key)).toEqual([`op:${op.opId}:g1`, `op:${op.opId}`]);
    expect(await intake({ ...op, generation: 3 })).toMatchObject({ reopened: 1 });
    expect(await opRow(op.opId)).toMatchObject({ state: 'pending', generation: 3, attempts: 2, attempt_base: 2 });
    expect((await deadLetters(op.opId)).map((d) => d.dedupe_key)).toEqual([`op:${op.opId}:g1`, `op:${op.opId}:g2`]);
    expect((await h.pool.query('SELECT attempt FROM submitter_attempts WHERE op_id = $1 ORDER BY attempt', [op.opId])).rows.map((r) => r.attempt)).toEqual([
      1, 2,
    ]);
  });

  it('refuses to run a permanent failure again: a dead letter and a dead_lettered event of the new generation, once', async () => {
    const op = await takenIn();
    await fail(op, 1, 'permanent');
    const again = { ...op, generation: 2 };
    expect(await intake(again)).toMatchObject({ reopened: 0, deadLettered: 1 });
    expect(await opRow(op.opId)).toMatchObject({ state: 'failed', generation: 2, attempt_base: 0 });
    const refused = (await deadLetters(op.opId)).find((d) => d.dedupe_key === `op:${op.opId}:g2:refused`);
    expect(refused).toMatchObject({
      error_kind: 'permanent',
      reason: expect.stringMatching(/re-request \(generation 2\) refused: the operation failed permanent \(permanent at attempt 1\)/),
    });
    const events = (
      await h.pool.query<{ state: string; attempt: number; payload: Record<string, unknown> }>(
        'SELECT state, attempt, payload FROM submitter_status_outbox WHERE op_id = $1 ORDER BY id',
        [op.opId],
      )
    ).rows;
    expect(events.map((e) => `${e.state}#${e.attempt}/g${e.payload.generation}/${e.payload.errorKind}`)).toEqual([
      'failed#1/g1/permanent',
      'dead_lettered#1/g2/permanent',
    ]);
    expect(await intake(again)).toMatchObject({ deadLettered: 0, duplicates: 1 });
    expect(await deadLetters(op.opId)).toHaveLength(2);
  });

  it('takes the generation of an operation it had not seen or that has not failed, without running anything again', async () => {
    const pending = await takenIn();
    expect(await intake({ ...pending, generation: 2 })).toMatchObject({ reopened: 0, deadLettered: 0, duplicates: 0 });
    expect(await opRow(pending.opId)).toMatchObject({ state: 'pending', generation: 2, attempt_base: 0 });
    expect((await h.pool.query('SELECT count(*)::int AS n FROM submitter_op_generations WHERE op_id = $1', [pending.opId])).rows[0].n).toBe(0);

    const ticketId = `t-${randomHex(8)}`;
    await createTicket(h.pool, { id: ticketId, eventId: 'rerequest-test' });
    const unseen: Operation = { ...(await heldMintRequest(h, holder, ticketId)), generation: 3 };
    mine.push(unseen.opId);
    expect(await intake(unseen)).toMatchObject({ inserted: 1, reopened: 0 });
    expect(await opRow(unseen.opId)).toMatchObject({ state: 'pending', generation: 3 });
  });
});
