import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isOperationType, OPERATION_TYPES } from './operation-type.ts';

const root = new URL('../../../', import.meta.url);
const enumOf = (schema: string, field: string): unknown => {
  const avsc = JSON.parse(readFileSync(new URL(`schemas/${schema}`, root), 'utf8')) as { fields: Array<{ name: string; type: { symbols?: string[] } }> };
  return avsc.fields.find((f) => f.name === field)?.type.symbols;
};

describe('the operation types', () => {
  it('are the symbols of the Avro contracts', () => {
    expect(enumOf('operation.avsc', 'type')).toEqual([...OPERATION_TYPES]);
    expect(enumOf('operation-status.avsc', 'type')).toEqual([...OPERATION_TYPES]);
  });

  it("are what the tables' CHECKs allow", () => {
    const check = `CHECK (type IN (${OPERATION_TYPES.map((t) => `'${t}'`).join(', ')}))`;
    for (const file of ['0002_write_path.sql', '0003_submitter.sql']) expect(readFileSync(new URL(`migrations/${file}`, root), 'utf8')).toContain(check);
  });

  it('recognises only them', () => {
    for (const t of OPERATION_TYPES) expect(isOperationType(t)).toBe(true);
    for (const v of ['Mint', 'swap', '', null, 1]) expect(isOperationType(v)).toBe(false);
  });
});
