import { fileURLToPath } from 'node:url';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';
import { createRegistry, readSchema } from '../../services/lib/schemas.ts';

import { stackEnv } from '../support/stack-env.ts';
import { randomHex } from '../support/random.ts';

const SCHEMAS = fileURLToPath(new URL('../../schemas', import.meta.url));

describe('schema registry (Apicurio, Confluent-compatible API)', () => {
  const registry = () => createRegistry(stackEnv().SCHEMA_REGISTRY_URL);
  const operationSchema = () => readSchema(SCHEMAS, 'operation.avsc');

  it('registers an Avro schema from schemas/ and round-trips a record through it', async () => {
    const subject = `test-${randomHex()}-value`;
    const { id } = await registry().register({ type: SchemaType.AVRO, schema: operationSchema() }, { subject });
    const op = {
      opId: '0b6b2f0e-4c7e-4d59-9d7a-3f1f0a3c1e11',
      idempotencyKey: 'ticket-42-mint',
      type: 'mint',
      mint: 'So11111111111111111111111111111111111111112',
      from: null,
      to: '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin',
      ticketId: 'ticket-42',
      requestedAt: Date.parse('2026-11-01T10:00:00Z'),
      generation: 2,
    };
    const encoded = await registry().encode(id, op);
    // Confluent wire format: magic byte 0, then the 4-byte schema id.
    expect(encoded[0]).toBe(0);
    expect(encoded.readUInt32BE(1)).toBe(id);
    expect(await registry().decode(encoded)).toEqual(op);
  });

  it('rejects a change that breaks BACKWARD compatibility', async () => {
    const subject = `test-${randomHex()}-value`;
    await registry().register({ type: SchemaType.AVRO, schema: operationSchema() }, { subject });
    const broken = JSON.parse(operationSchema()) as { fields: unknown[] };
    // A new field without a default: readers of the new schema cannot read old records.
    broken.fields.push({ name: 'priority', type: 'int' });
    await expect(registry().register({ type: SchemaType.AVRO, schema: JSON.stringify(broken) }, { subject })).rejects.toThrow();

    const compatible = JSON.parse(operationSchema()) as { fields: unknown[] };
    compatible.fields.push({ name: 'priority', type: 'int', default: 0 });
    const { id } = await registry().register({ type: SchemaType.AVRO, schema: JSON.stringify(compatible) }, { subject });
    expect(id).toBeGreaterThan(0);
  });

  it('serves the topic value schemas that the stack registered at start', async () => {
    const id = await registry().getLatestSchemaId('chain.ownership-value');
    const schema = await registry().getSchema(id);
    expect(JSON.stringify(schema)).toContain('OwnershipChange');
  });
});
