import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { randomHex } from './random.ts';

export function testKafka(brokers: string): Kafka {
  return new Kafka({ clientId: `test-${randomHex()}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

export async function createTestTopic(kafka: Kafka, partitions = 3): Promise<string> {
  const topic = `test-${randomHex()}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

export interface Seen {
  partition: number;
  message: KafkaMessage;
}

/**
 * Consumes `topic` from the beginning with a fresh group and resolves with every message seen
 * once `done` returns true, or rejects after the timeout with what it had seen so far.
 */
export async function collectUntil(
  kafka: Kafka,
  topic: string,
  done: (seen: Seen[]) => boolean,
  timeoutMs = 30_000,
): Promise<{ seen: Seen[]; consumer: Consumer }> {
  const consumer = kafka.consumer({ groupId: `test-${randomHex()}` });
  const seen: Seen[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms on ${topic}; saw ${seen.length} messages`)), timeoutMs);
      void consumer.run({
        // Judged once per batch: once per message made reading a topic that earlier runs (benches)
        // filled with tens of thousands of records quadratic, and it timed out.
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) seen.push({ partition: batch.partition, message });
          if (done(seen)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return { seen, consumer };
}
