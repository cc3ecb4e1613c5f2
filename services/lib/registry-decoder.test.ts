import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, RetryableError } from '../lib/errors.ts';
import { avroType } from '../lib/schemas.ts';
import { asOperationStatus, asOwnershipChange, createValueDecoder } from './decode.ts';

const type = avroType(new URL('../../schemas', import.meta.url).pathname, 'ownership-change.avsc');
const value = { mint: 'M1', owner: 'W1', tokenAccount: 'T1', amount: 1, slot: 42, commitment: 'confirmed', source: 'stream', observedAt: 1_700_000_000_000 };
const framed = (id: number, payload: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0, id]), payload]);

function fakeRegistry(getSchema: (id: number) => Promise<unknown>): SchemaRegistry & { calls: number } {
  const r = { calls: 0, getSchema: (id: number) => (r.calls++, getSchema(id)) };
  return r as unknown as SchemaRegistry & { calls: number };
}

describe('createValueDecoder', () => {
  it('decodes registry-framed Avro, asking the registry once per schema id', async () => {
    const registry = fakeRegistry(async () => type);
    const decode = createValueDecoder(registry);
    const buf = framed(7, type.toBuffer(value));
    expect(await decode(buf, {})).toEqual(value);
    expect(decode(buf, {})).toEqual(value); // synchronous once known
    expect(registry.calls).toBe(1);
  });

  it('calls tombstones, bad framing, bad Avro and unknown ids poison; an unreachable registry retryable', async () => {
    const decode = createValueDecoder(fakeRegistry(async (id) => (id === 7 ? type : Promise.reject(Object.assign(new Error('not found'), { status: 404 })))));
    expect(() => decode(null, {})).toThrow(InvalidInputError);
    expect(() => decode(Buffer.from('{"mint":1}'), {})).toThrow(InvalidInputError);
    await decode(framed(7, type.toBuffer(value)), {});
    expect(() => decode(framed(7, Buffer.from([1, 2])), {})).toThrow(InvalidInputError);
    await expect(decode(framed(9, Buffer.from([1])), {})).rejects.toBeInstanceOf(InvalidInputError);
    const down = createValueDecoder(fakeRegistry(async () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))));
    await expect(down(framed(7, Buffer.from([1])), {})).rejects.toBeInstanceOf(RetryableError);
  });

  it('refuses values the contract forbids', () => {
    expect(() => asOwnershipChange({ ...value, slot: -1 }, {})).toThrow(/slot/);
    expect(() => asOwnershipChange({ ...value, mint: '' }, {})).toThrow(/mint/);
    expect(() => asOwnershipChange({ ...value, owner: 'W\u00001' }, {})).toThrow(InvalidInputError);
    expect(() => asOperationStatus({ opId: 'not-a-uuid', attempt: 1 }, {})).toThrow(/uuid/);
    expect(asOperationStatus({ opId: '00000000-0000-4000-8000-000000000001', attempt: 1, slot: null }, {}).attempt).toBe(1);
  });
});
