import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { InvalidInputError, RetryableError } from '../lib/errors.ts';
import type { OperationStatus } from './op-status.ts';
import type { OwnershipChange } from './ownership-reducer.ts';

/**
 * Registry-framed Avro to plain values. A record that can never decode (wrong framing, unknown
 * schema id, bad Avro, values the contract forbids) is an InvalidInputError: the consumer skips
 * it with a log line and a metric (invariant 7: a poison record never stops its partition). A
 * registry that cannot be reached is retryable: the batch is retried, nothing is skipped.
 */
export type ValueDecoder = (value: Buffer | null, context: Record<string, unknown>) => unknown;

/**
 * The registry client awaits its schema cache for every message; at tens of thousands of records
 * a second that is most of the decode cost. This keeps each schema id's avsc type and decodes
 * synchronously once it is known (a returned Promise only on the first sight of an id).
 */
export function createValueDecoder(registry: SchemaRegistry): ValueDecoder {
  const types = new Map<number, { fromBuffer: (b: Buffer) => unknown }>();
  const read = (type: { fromBuffer: (b: Buffer) => unknown }, value: Buffer, context: Record<string, unknown>) => {
    try {
      return type.fromBuffer(value.subarray(5));
    } catch (err) {
      throw new InvalidInputError(`cannot decode: ${(err as Error).message}`, context, err);
    }
  };
  return (value, context) => {
    if (value === null) throw new InvalidInputError('tombstone (null value)', context);
    if (value.length < 5 || value[0] !== 0) throw new InvalidInputError('not registry-framed Avro (magic byte 0 and a schema id expected)', context);
    const id = value.readInt32BE(1);
    const known = types.get(id);
    if (known) return read(known, value, context);
    return registry.getSchema(id).then(
      (schema) => {
        const type = schema as unknown as { fromBuffer?: unknown };
        if (typeof type.fromBuffer !== 'function') throw new InvalidInputError(`schema ${id} is not Avro`, context);
        types.set(id, type as { fromBuffer: (b: Buffer) => unknown });
        return read(types.get(id)!, value, context);
      },
      (err: unknown) => {
        const status = (err as { status?: unknown }).status;
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string' || (typeof status === 'number' && (status >= 500 || status === 429)))
          throw new RetryableError('schema registry unavailable', context, err);
        throw new InvalidInputError(`unknown schema id ${id}: ${(err as Error).message}`, context, err);
      },
    );
  };
}

const isSlot = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function asOwnershipChange(v: unknown, context: Record<string, unknown>): OwnershipChange {
  const c = v as Partial<OwnershipChange>;
  if (typeof c?.mint !== 'string' || c.mint === '') throw new InvalidInputError('ownership change without a mint', context);
  if (!isSlot(c.slot)) throw new InvalidInputError(`ownership change with an invalid slot ${String(c.slot)}`, { ...context, mint: c.mint });
  if (c.commitment !== 'confirmed' && c.commitment !== 'finalized')
    throw new InvalidInputError(`unknown commitment ${String(c.commitment)}`, { ...context, mint: c.mint });
  // Postgres text cannot hold NUL: such a record could never be written, so it is poison, not a retry.
  if ([c.mint, c.owner, c.tokenAccount].some((t) => typeof t === 'string' && t.includes('\0')))
    throw new InvalidInputError('ownership change with a NUL character', { ...context, mint: c.mint });
  return c as OwnershipChange;
}

export function asOperationStatus(v: unknown, context: Record<string, unknown>): OperationStatus {
  const s = v as Partial<OperationStatus>;
  if (typeof s?.opId !== 'string' || !UUID.test(s.opId)) throw new InvalidInputError(`status with an op id that is not a uuid: ${String(s?.opId)}`, context);
  if (typeof s.attempt !== 'number' || !Number.isSafeInteger(s.attempt) || s.attempt < 0)
    throw new InvalidInputError('status with an invalid attempt', { ...context, opId: s.opId });
  if (s.slot != null && !isSlot(s.slot)) throw new InvalidInputError('status with an invalid slot', { ...context, opId: s.opId });
  return s as OperationStatus;
}
