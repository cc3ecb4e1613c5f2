// chain.ownership records: Avro through the registry, keyed by mint, one send at a time so that
// the order decided is the order written.
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Producer } from 'kafkajs';
import type { OwnershipChange } from '../lib/records.ts';

export type { OwnershipChange };
export type OwnershipSource = OwnershipChange['source'];

export interface RecordSink {
  send(records: readonly OwnershipChange[]): Promise<void>;
}

const CHUNK = 1_000;

export async function kafkaSink(producer: Producer, registry: SchemaRegistry, topic: string): Promise<RecordSink> {
  const schemaId = await registry.getLatestSchemaId(`${topic}-value`);
  return {
    async send(records) {
      for (let i = 0; i < records.length; i += CHUNK) {
        const chunk = records.slice(i, i + CHUNK);
        const messages = await Promise.all(chunk.map(async (r) => ({ key: r.mint, value: await registry.encode(schemaId, r) })));
        await producer.send({ topic, acks: -1, messages });
      }
    },
  };
}
