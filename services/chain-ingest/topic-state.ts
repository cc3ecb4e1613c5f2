// Rebuilds "what was last published per mint" from the compacted topic, so a new leader neither
// republishes everything nor publishes a slot below one already in the topic.
import { randomBytes } from 'node:crypto';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Kafka } from 'kafkajs';
import type { Logger } from '../lib/logger.ts';
import type { Published } from './decide.ts';
import type { OwnershipChange } from './sink.ts';

export function publishedOf(r: OwnershipChange): Published {
  return { owner: r.owner, tokenAccount: r.tokenAccount, amount: BigInt(r.amount), slot: r.slot, commitment: r.commitment };
}

/** Keeps the record at the highest slot; at equal slots the later one (offset order) wins. */
export function foldPublished(state: Map<string, Published>, r: OwnershipChange): void {
  const current = state.get(r.mint);
  if (!current || r.slot >= current.slot) state.set(r.mint, publishedOf(r));
}

export async function loadPublished(
  kafka: Kafka,
  registry: SchemaRegistry,
  topic: string,
  logger: Logger,
  timeoutMs = 60_000,
): Promise<Map<string, Published>> {
  const state = new Map<string, Published>();
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `chain-ingest-rebuild-${randomBytes(6).toString('hex')}`;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    // Partitions still to read, up to the end offset seen now; later records are ours to write.
    const pending = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high) - 1n]));
    if (pending.size === 0) return state;
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      let count = 0;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`rebuilding from ${topic} took over ${timeoutMs} ms; ${pending.size} partitions unread`)), timeoutMs);
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              for (const m of batch.messages) {
                if (m.value) foldPublished(state, (await registry.decode(m.value)) as OwnershipChange);
                count++;
              }
              const end = pending.get(batch.partition);
              if (end !== undefined && BigInt(batch.lastOffset()) >= end) pending.delete(batch.partition);
              if (pending.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
      logger.info({ records: count, mints: state.size }, 'rebuilt published state from the topic');
    } finally {
      await consumer.disconnect();
    }
    await admin.deleteGroups([groupId]).catch(() => undefined);
    return state;
  } finally {
    await admin.disconnect();
  }
}
