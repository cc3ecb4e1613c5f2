// A crash between the intake's commit (submitter_ops rows) and its offset commit: Kafka hands the
// same batch to whichever member takes the partition next. Nothing may be taken in twice, and a
// poison record is dead-lettered once. The records go straight to takeIn, and this test holds each
// mint's lease, so no submitter on the shared stack runs these operations.
import { afterAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../api/tickets.ts';
import { TOPICS } from '../lib/topics.ts';
import { takeIn } from './intake.ts';
import { harness } from '../../test/support/submitter.ts';
import { randomHex } from '../../test/support/random.ts';
import { heldMintRequest, intakeContext, requestRecord } from '../../test/support/intake.ts';

const h = harness();
const holder = `intake-redelivery-test-${randomHex()}`;
const mine: string[] = [];
afterAll(async () => {
  // Left failed, so that nobody runs them once the leases run out.
  await h.pool.query(`UPDATE submitter_ops SET state = 'failed' WHERE op_id = ANY($1::uuid[])`, [mine]);
  await h.close();
});

describe('submitter intake: a batch delivered again after a crash before its offset commit', () => {
  it('takes each operation in once, and dead-letters a poison record once', async () => {
    const ops = [];
    for (let i = 0; i < 3; i++) {
      const op = await heldMintRequest(h, holder, `ir-${randomHex(8)}`);
      await createTicket(h.pool, { id: op.ticketId, eventId: 'intake-redelivery-test' });
      mine.push(op.opId);
      ops.push(op);
    }
    const poison = { ...requestRecord(ops[0]!), value: Buffer.from('{"not":"an operation"}') };
    const batch = [{ topic: TOPICS.opsRequested, partition: 0, messages: [...ops.map(requestRecord), poison] }];
    // The same records, headers included: what Kafka delivers again is byte for byte what it delivered.
    expect(await takeIn(intakeContext(h), batch)).toMatchObject({ inserted: 3, deadLettered: 1 });
    expect(await takeIn(intakeContext(h), batch)).toMatchObject({ inserted: 0, duplicates: 3 });
    const rows = await h.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM submitter_ops WHERE op_id = ANY($1::uuid[])', [mine]);
    expect(rows.rows[0]!.n).toBe(3);
    const dead = await h.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM submitter_dead_letters WHERE dedupe_key = $1', [
      `event:${poison.headers!.id!.toString()}`,
    ]);
    expect(dead.rows[0]!.n).toBe(1);
  });
});
