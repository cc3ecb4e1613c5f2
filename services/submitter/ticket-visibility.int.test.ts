// The intake's ticket check against the commit that carries the request, on the stack's Postgres.
// Debezium may hand a transaction's outbox row to Kafka before that transaction is visible to a
// new snapshot (PostgreSQL decodes the flushed commit record before the committing backend leaves
// the proc array; on a saturated machine that backend can be off the CPU for longer than
// Debezium → Kafka → intake takes). An op whose ticket is not visible yet is then not poison: it
// was dead-lettered at once, losing a valid mint (2 in about 40,000 on the public-profile bench).
// The records go straight to takeIn, and this test holds each mint's lease, so no submitter on
// the shared stack runs these operations.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../api/tickets.ts';
import { TOPICS } from '../lib/topics.ts';
import { takeIn } from './intake.ts';
import type { Operation } from './operation.ts';
import { harness } from '../../test/support/submitter.ts';
import { randomHex } from '../../test/support/random.ts';
import { heldMintRequest, intakeContext, requestRecord } from '../../test/support/intake.ts';

const h = harness();
const holder = `ticket-visibility-test-${randomHex()}`;
const ctx = (ticketWaitMs: number) => intakeContext(h, { ticketWaitMs });
const mine: string[] = [];
afterAll(async () => {
  // Left failed, so that nobody runs them once the leases run out.
  await h.pool.query(`UPDATE submitter_ops SET state = 'failed' WHERE op_id = ANY($1::uuid[])`, [mine]);
  await h.close();
});

/** A mint request for a ticket id nobody has created yet, its mint held by this test's lease. */
async function mintRequest(): Promise<Operation> {
  const op = await heldMintRequest(h, holder, `tv-${randomHex(8)}`);
  mine.push(op.opId);
  return op;
}

const deadLetters = async (opId: string) => Number((await h.pool.query('SELECT count(*) FROM submitter_dead_letters WHERE op_id = $1', [opId])).rows[0].count);

describe('submitter intake: a ticket committed with the request', () => {
  it('takes in a request whose ticket becomes visible only after the record arrived, instead of dead-lettering it', async () => {
    const op = await mintRequest();
    const taking = takeIn(ctx(5_000), [{ topic: TOPICS.opsRequested, partition: 0, messages: [requestRecord(op)] }]);
    await sleep(300);
    await createTicket(h.pool, { id: op.ticketId, eventId: 'ticket-visibility-test' });
    expect(await taking).toMatchObject({ inserted: 1, deadLettered: 0 });
    expect((await h.pool.query('SELECT state FROM submitter_ops WHERE op_id = $1', [op.opId])).rows).toEqual([{ state: 'pending' }]);
    expect(await deadLetters(op.opId)).toBe(0);
  });

  it('still dead-letters a request whose ticket does not appear within the wait', async () => {
    const op = await mintRequest();
    expect(await takeIn(ctx(400), [{ topic: TOPICS.opsRequested, partition: 0, messages: [requestRecord(op)] }])).toMatchObject({
      inserted: 0,
      deadLettered: 1,
    });
    expect(await deadLetters(op.opId)).toBe(1);
  });
});
