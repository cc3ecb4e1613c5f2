// A crash between Kafka's acknowledgement of a status batch and the commit that marks it
// published: the rows are still unpublished, so the batch is published again. The projection
// of chain.ops.status absorbs the duplicates: the operation ends in the state the events say,
// once. The "crash" is the publisher's transaction failing right after a send Kafka acknowledged.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Producer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../api/tickets.ts';
import { silentLogger } from '../../services/lib/logger.ts';
import { registerValueSchemas } from '../../services/lib/schemas.ts';
import { applyStatusBatch } from '../../services/projector/status-store.ts';
import type { OperationStatus } from '../../services/projector/op-status.ts';
import { statusEvent, type StatusEvent } from '../../services/submitter/events.ts';
import { OutboxPublisher } from '../../services/submitter/publisher.ts';
import { insertStatus } from '../../services/submitter/store.ts';
import { randomHex } from '../support/random.ts';
import { harness, newWallet, tailStatus } from '../support/submitter.ts';

const h = harness();
afterAll(() => h.close());

describe('status outbox: a crash after the Kafka ack, before the rows are marked published', () => {
  it('publishes the batch again, and the projection applies it once', async () => {
    const ticketId = `spc-${randomHex(8)}`;
    const op = { opId: randomUUID(), idempotencyKey: `k-${ticketId}`, mint: `mint-${randomHex(8)}`, type: 'mint' as const, to: newWallet() };
    await createTicket(h.pool, { id: ticketId, eventId: 'status-publish-crash-test' });
    // The operation as the application requested it; no outbox row, so nothing else runs it.
    await h.pool.query(
      `INSERT INTO chain_operations (op_id, idempotency_key, request_hash, type, ticket_id, mint, to_wallet) VALUES ($1, $2, 'x', 'mint', $3, $4, $5)`,
      [op.opId, op.idempotencyKey, ticketId, op.mint, op.to],
    );
    const events: StatusEvent[] = [
      statusEvent(op, 'submitted', { attempt: 1, signature: 'sig-1', at: Date.now() }),
      statusEvent(op, 'confirmed', { attempt: 1, signature: 'sig-1', slot: 42, at: Date.now() + 1 }),
    ];
    for (const e of events) await insertStatus(h.pool, e);

    const tail = await tailStatus(h);
    const producer = h.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    let crashes = 0;
    // Acknowledged by Kafka, then the process "dies" before its transaction commits: once.
    const crashingOnce = {
      send: async (record: Parameters<Producer['send']>[0]) => {
        const acked = await producer.send(record);
        if (crashes++ === 0) throw new Error('crash after the ack');
        return acked;
      },
    } as unknown as Producer;
    const ids = await registerValueSchemas(h.registry, fileURLToPath(new URL('../../schemas', import.meta.url)));
    const publisher = new OutboxPublisher(h.pool, crashingOnce, h.registry, { status: ids['chain.ops.status'], dlq: ids['chain.ops.dlq'] }, silentLogger(), 50);
    try {
      publisher.start();
      const seen: OperationStatus[] = (await tail.until((es) => es.filter((e) => e.opId === op.opId).length >= 4, 30_000)).filter((e) => e.opId === op.opId);
      // Each event twice: once before the "crash", once after.
      expect(seen.map((e) => e.state).sort()).toEqual(['confirmed', 'confirmed', 'submitted', 'submitted']);
      const unpublished = await h.pool.query('SELECT 1 FROM submitter_status_outbox WHERE op_id = $1 AND published_at IS NULL', [op.opId]);
      expect(unpublished.rowCount).toBe(0);

      await applyStatusBatch(h.pool, seen);
      const row = await h.pool.query('SELECT state, attempts, last_signature, last_slot FROM chain_operations WHERE op_id = $1', [op.opId]);
      expect(row.rows[0]).toEqual({ state: 'confirmed', attempts: 1, last_signature: 'sig-1', last_slot: '42' });
      // The same duplicates applied once more change nothing.
      await applyStatusBatch(h.pool, seen);
      expect((await h.pool.query('SELECT state, attempts FROM chain_operations WHERE op_id = $1', [op.opId])).rows[0]).toEqual({
        state: 'confirmed',
        attempts: 1,
      });
    } finally {
      await publisher.close();
      await producer.disconnect();
      await tail.stop();
      // Nothing of this made-up operation is left for a reconciler to find.
      await h.pool.query('DELETE FROM submitter_status_outbox WHERE op_id = $1', [op.opId]);
      await h.pool.query('DELETE FROM chain_operations WHERE op_id = $1', [op.opId]);
      await h.pool.query('DELETE FROM tickets WHERE id = $1', [ticketId]);
    }
  });
});
