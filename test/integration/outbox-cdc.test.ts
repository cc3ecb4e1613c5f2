import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../services/lib/topics.ts';
import { collectUntil, testKafka } from '../support/kafka.ts';
import { stackEnv } from '../support/stack-env.ts';
import { randomHex } from '../support/random.ts';

const pool = new pg.Pool({ connectionString: stackEnv().DATABASE_URL, max: 2 });
afterAll(() => pool.end());

async function insertOutbox(client: pg.PoolClient | pg.Pool, id: string, mint: string, payload: object): Promise<void> {
  await client.query(`INSERT INTO chain_outbox (id, aggregatetype, aggregateid, type, payload) VALUES ($1, 'operation', $2, 'mint', $3)`, [
    id,
    mint,
    JSON.stringify(payload),
  ]);
}

describe('outbox → Debezium → chain.ops.requested', () => {
  it('publishes a committed outbox row with the mint as key, the payload expanded and the event id header', async () => {
    const mint = `mint-${randomHex()}`;
    const id = randomUUID();
    const payload = { opId: id, type: 'mint', mint, ticketId: `t-${randomHex()}`, nested: { seats: [1, 2] } };
    await insertOutbox(pool, id, mint, payload);

    const kafka = testKafka(stackEnv().KAFKA_BROKERS);
    const { seen } = await collectUntil(kafka, TOPICS.opsRequested, (s) => s.some((m) => m.message.key?.toString() === mint), 60_000);
    const record = seen.find((m) => m.message.key?.toString() === mint)!;
    expect(JSON.parse(record.message.value!.toString())).toEqual(payload);
    expect(record.message.headers?.id?.toString()).toBe(id);
    expect(record.message.headers?.eventType?.toString()).toBe('mint');
  });

  it('publishes nothing for a rolled-back transaction', async () => {
    // Both rows share a key, so they share a partition: if the rolled-back row were published it
    // would be seen before the committed one that follows it in the WAL.
    const mint = `mint-${randomHex()}`;
    const rolledBack = randomUUID();
    const committed = randomUUID();
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await insertOutbox(client, rolledBack, mint, { opId: rolledBack });
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    await insertOutbox(pool, committed, mint, { opId: committed });

    const kafka = testKafka(stackEnv().KAFKA_BROKERS);
    const { seen } = await collectUntil(kafka, TOPICS.opsRequested, (s) => s.some((m) => m.message.headers?.id?.toString() === committed), 60_000);
    const ours = seen.filter((m) => m.message.key?.toString() === mint).map((m) => m.message.headers?.id?.toString());
    expect(ours).toEqual([committed]);
  });
});
