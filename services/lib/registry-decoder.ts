import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { InvalidInputError, RetryableError } from './errors.ts';

/**
 * Whether the registry said it has no such schema: its 404. Only that makes a record poison. The
 * registry client reports a connection it could not make as status 400 with no error code, and a
 * registry whose own storage is down answers 4xx or 5xx too: skipping on those would drop every
 * record whose schema is not cached yet while the registry restarts.
 */
export const schemaNotFound = (err: unknown): boolean => (err as { status?: unknown } | null)?.status === 404;

/**
 * Registry-framed Avro to plain values. A record that can never decode (wrong framing, unknown
 * schema id, bad Avro) is an InvalidInputError: the consumer skips it with a log line and a
 * metric (invariant 7: a poison record never stops its partition). Anything else the registry
 * answers is retryable: the batch is retried, nothing is skipped.
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
        if (schemaNotFound(err)) throw new InvalidInputError(`unknown schema id ${id}: ${(err as Error).message}`, context, err);
        throw new RetryableError(`schema registry unavailable: ${(err as Error).message}`, context, err);
      },
    );
  };
}
