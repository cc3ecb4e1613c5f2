import { describe, expect, it } from 'vitest';
import { stackEnv } from '../support/stack-env.ts';
import { collectUntil, createTestTopic, testKafka } from '../support/kafka.ts';
import { randomHex } from '../support/random.ts';

describe('kafka broker', () => {
  it('delivers produced messages, per key in order, to a consumer group', async () => {
    const kafka = testKafka(stackEnv().KAFKA_BROKERS);
    const topic = await createTestTopic(kafka, 3);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const keys = ['a', 'b', 'c'].map((k) => `${k}-${randomHex()}`);
    const messages = keys.flatMap((key) => [0, 1, 2, 3].map((n) => ({ key, value: `${key}:${n}` })));
    await producer.send({ topic, messages });
    await producer.disconnect();

    const { seen } = await collectUntil(kafka, topic, (s) => s.length >= messages.length);
    expect(seen).toHaveLength(messages.length);
    for (const key of keys) {
      const values = seen.filter((s) => s.message.key?.toString() === key).map((s) => s.message.value?.toString());
      expect(values).toEqual([0, 1, 2, 3].map((n) => `${key}:${n}`));
      // Same key, same partition: the basis of per-mint ordering.
      expect(new Set(seen.filter((s) => s.message.key?.toString() === key).map((s) => s.partition)).size).toBe(1);
    }
  });
});
