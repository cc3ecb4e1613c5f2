import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { TOPICS } from './topics.ts';

/** Which Avro file is the value schema of which topic (TopicNameStrategy: subject = `<topic>-value`). */
export const VALUE_SCHEMAS = {
  [TOPICS.opsRequested]: 'operation.avsc',
  [TOPICS.opsStatus]: 'operation-status.avsc',
  [TOPICS.opsDlq]: 'dead-letter.avsc',
  [TOPICS.ownership]: 'ownership-change.avsc',
  [TOPICS.discrepancies]: 'discrepancy.avsc',
} as const;

export type SchemaTopic = keyof typeof VALUE_SCHEMAS;

export function readSchema(schemasDir: string, file: string): string {
  return readFileSync(join(schemasDir, file), 'utf8');
}

/** The avsc type of a schema file, for validating plain JSON against the contract (no registry needed). */
export function avroType(schemasDir: string, file: string): avro.Type {
  return avro.Type.forSchema(JSON.parse(readSchema(schemasDir, file)) as avro.Schema);
}

/** With SCHEMA_REGISTRY_USERNAME set, every request carries HTTP basic auth. */
export function createRegistry(host: string, auth?: { SCHEMA_REGISTRY_USERNAME?: string; SCHEMA_REGISTRY_PASSWORD?: string }): SchemaRegistry {
  return new SchemaRegistry({
    host,
    ...(auth?.SCHEMA_REGISTRY_USERNAME ? { auth: { username: auth.SCHEMA_REGISTRY_USERNAME, password: auth.SCHEMA_REGISTRY_PASSWORD ?? '' } } : {}),
  });
}

/**
 * Registers every value schema under its topic's subject and returns the ids. Registering an
 * unchanged schema returns its existing id; an incompatible change is refused by the registry.
 */
export async function registerValueSchemas(registry: SchemaRegistry, schemasDir: string): Promise<Record<SchemaTopic, number>> {
  const ids = {} as Record<SchemaTopic, number>;
  for (const [topic, file] of Object.entries(VALUE_SCHEMAS) as Array<[SchemaTopic, string]>) {
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: readSchema(schemasDir, file) }, { subject: `${topic}-value` });
    ids[topic] = id;
  }
  return ids;
}
