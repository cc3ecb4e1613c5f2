import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv } from '../../test/support/stack-env.ts';
import { startStatusConsumer } from './consumers.ts';
import { createTopic, deleteTopic, partitionOf, produceStatus, projectorTestContext, randomMint, waitForDbOffsets } from '../../test/support/projector.ts';
import type { OperationStatus } from './op-status.ts';
import { randomHex } from '../../test/support/random.ts';

const ctx = projectorTestContext(stackEnv());
let producer: Producer;
let topic: string;
const ticketIds: string[] = [];
const opIds: string[] = [];

beforeAll(async () => {
  producer = ctx.kafka.producer();
  await producer.connect();
  topic = await createTopic(ctx.kafka);
});

afterAll(async () => {
  await producer.disconnect();
  await deleteTopic(ctx.kafka, topic);
  await ctx.pool.query('DELETE FROM chain_operations WHERE op_id = ANY($1::uuid[])', [opIds]);
  await ctx.pool.query('DELETE FROM tickets WHERE id = ANY($1)', [ticketIds]);
  await ctx.pool.query('DELETE FROM projector_offsets WHERE topic = $1', [topic]);
  await ctx.close();
});

/** An operation row as the API creates it. */
async function createOp(mint: string): Promise<string> {
  const ticketId = `t-${randomHex()}`;
  const opId = randomUUID();
  ticketIds.push(ticketId);
  opIds.push(opId);
  await ctx.pool.query(`INSERT INTO tickets (id, event_id, mint_address, status) VALUES ($1, 'projector-status-test', $2, 'mint_requested')`, [ticketId, mint]);
  await ctx.pool.query(
    `INSERT INTO chain_operations (op_id, idempotency_key, request_hash, type, ticket_id, mint, to_wallet, requested_at, updated_at)
     VALUES ($1, $2, 'h', 'mint', $3, $4, 'w', now(), timestamptz 'epoch')`,
    [opId, `k-${opId}`, ticketId, mint],
  );
  return opId;
}

type End = 'confirmed' | 'finalized' | 'dead_lettered' | 'submitted';
/** A submitter's story for one op: expired attempts, then an outcome; stale duplicates re-sent later. */
function story(opId: string, mint: string, expiredAttempts: number, end: End): { events: OperationStatus[]; final: { state: string; attempts: number } } {
  let at = 1_700_000_000_000;
  const ev = (state: OperationStatus['state'], attempt: number): OperationStatus => ({
    opId,
    idempotencyKey: `k-${opId}`,
    mint,
    type: 'mint',
    state,
    expectedOwner: 'w',
    signature: `sig-${opId.slice(0, 8)}-${attempt}`,
    attempt,
    slot: state === 'confirmed' || state === 'finalized' ? 500 + attempt : null,
    error: state === 'expired' ? 'blockhash expired' : state === 'dead_lettered' ? 'insufficient funds' : null,
    at: (at += 1000),
  });
  const events: OperationStatus[] = [];
  for (let a = 1; a <= expiredAttempts; a++) events.push(ev('submitted', a), ev('expired', a));
  const last = expiredAttempts + 1;
  if (end === 'dead_lettered') events.push(ev('dead_lettered', last));
  else {
    events.push(ev('submitted', last));
    if (end !== 'submitted') events.push(ev('confirmed', last));
    if (end === 'finalized') events.push(ev('finalized', last));
  }
  // Redeliveries: older events again after newer ones.
  const stale = events.filter((_, i) => i % 2 === 0).map((e) => ({ ...e }));
  return { events: [...events, ...stale], final: { state: end, attempts: last } };
}

const readOps = async () =>
  (
    await ctx.pool.query(
      `SELECT op_id, state, attempts, last_signature, last_slot, last_error, confirmed_at, updated_at FROM chain_operations WHERE op_id = ANY($1::uuid[]) ORDER BY op_id`,
      [opIds],
    )
  ).rows;

describe('operation status projection on the real stack', () => {
  it('chain_operations follows chain.ops.status despite redeliveries, skips unknown ops and poison, and replaying from zero gives the same rows', async () => {
    const ends: End[] = ['confirmed', 'finalized', 'dead_lettered', 'submitted'];
    const stories = [];
    for (let i = 0; i < 24; i++) {
      const mint = randomMint();
      stories.push(story(await createOp(mint), mint, i % 3, ends[i % ends.length]!));
    }
    const unknown = story(randomUUID(), stories[0]!.events[0]!.mint, 0, 'confirmed'); // same partition as a real op
    await produceStatus(producer, ctx.registry, topic, unknown.events);
    await producer.send({ topic, messages: [{ key: 'poison', value: Buffer.from('not avro'), partition: partitionOf(stories[0]!.events[0]!.mint) }] });
    await produceStatus(
      producer,
      ctx.registry,
      topic,
      stories.flatMap((s) => s.events),
    );

    const group = `projector-status-${randomHex()}`;
    const consumer = await startStatusConsumer(ctx, { topic, groupId: group });
    await waitForDbOffsets(ctx.pool, ctx.kafka, group, topic);
    await consumer.stop();
    const rows = await readOps();
    const byId = new Map(rows.map((r) => [r.op_id as string, r]));
    for (const s of stories) {
      const row = byId.get(s.events[0]!.opId)!;
      expect(row, s.events[0]!.opId).toMatchObject(s.final);
      if (s.final.state === 'confirmed' || s.final.state === 'finalized') {
        expect(row.confirmed_at).not.toBeNull();
        expect(row.last_slot).toBe(String(500 + s.final.attempts));
        expect(row.last_error).toBeNull();
      }
      if (s.final.state === 'dead_lettered') expect(row.last_error).toBe('insufficient funds');
    }
    const { rows: unknownRows } = await ctx.pool.query('SELECT 1 FROM chain_operations WHERE op_id = $1', [unknown.events[0]!.opId]);
    expect(unknownRows).toHaveLength(0);
    expect((await ctx.metrics.skipped.get()).values.map((v) => v.labels.reason).sort()).toEqual(['poison', 'unknown_op']);

    // Replay from zero: the rows as the API created them, a fresh group, the same topic.
    await ctx.pool.query(
      `UPDATE chain_operations SET state = 'requested', attempts = 0, last_signature = NULL, last_slot = NULL, last_error = NULL, confirmed_at = NULL, updated_at = timestamptz 'epoch' WHERE op_id = ANY($1::uuid[])`,
      [opIds],
    );
    const replayGroup = `projector-status-${randomHex()}`;
    const replay = await startStatusConsumer(ctx, { topic, groupId: replayGroup });
    await waitForDbOffsets(ctx.pool, ctx.kafka, replayGroup, topic);
    await replay.stop();
    expect(await readOps()).toEqual(rows);
  });
});
