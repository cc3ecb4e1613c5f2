import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { unreachableRegistry } from '../../test/support/unreachable-registry.ts';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, RetryableError } from './errors.ts';
import { createValueDecoder } from './registry-decoder.ts';
import { avroType } from './schemas.ts';

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

  it('calls tombstones, bad framing, bad Avro and ids the registry does not know (404) poison; any other registry answer retryable', async () => {
    const decode = createValueDecoder(fakeRegistry(async (id) => (id === 7 ? type : Promise.reject(Object.assign(new Error('not found'), { status: 404 })))));
    expect(() => decode(null, {})).toThrow(InvalidInputError);
    expect(() => decode(Buffer.from('{"mint":1}'), {})).toThrow(InvalidInputError);
    await decode(framed(7, type.toBuffer(value)), {});
    expect(() => decode(framed(7, Buffer.from([1, 2])), {})).toThrow(InvalidInputError);
    await expect(decode(framed(9, Buffer.from([1])), {})).rejects.toBeInstanceOf(InvalidInputError);
    for (const status of [400, 401, 500, 503]) {
      const failing = createValueDecoder(fakeRegistry(async () => Promise.reject(Object.assign(new Error(`status ${status}`), { status }))));
      await expect(failing(framed(7, Buffer.from([1])), {})).rejects.toBeInstanceOf(RetryableError);
    }
  });

  it('retries, never skips, while the registry is down (the client reports a refused connection as status 400, and the projector skipped every record it had no schema for as poison while the registry restarted)', async () => {
    const decode = createValueDecoder(await unreachableRegistry());
    await expect(decode(framed(7, type.toBuffer(value)), {})).rejects.toBeInstanceOf(RetryableError);
  });
});
