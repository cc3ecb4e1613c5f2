// Publishes discrepancy changes to sync.discrepancies: Avro through the registry, keyed by mint.
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Producer } from 'kafkajs';
import { TOPICS } from '../lib/topics.ts';
import type { DiscrepancyEvent } from './store.ts';

export type Publish = (events: readonly DiscrepancyEvent[]) => Promise<void>;

export function discrepancyPublisher(producer: Producer, registry: SchemaRegistry): Publish {
  let schemaId: number | undefined;
  return async (events) => {
    if (events.length === 0) return;
    schemaId ??= await registry.getLatestSchemaId(`${TOPICS.discrepancies}-value`);
    const id = schemaId;
    const messages = await Promise.all(events.map(async (e) => ({ key: e.mint, value: await registry.encode(id, e), headers: { state: e.state } })));
    await producer.send({ topic: TOPICS.discrepancies, messages });
  };
}
