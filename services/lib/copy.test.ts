import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { copyField, copyLine } from './copy.ts';

/** COPY's text format read back: what the server does with a field. */
function parseField(field: string): string | null {
  if (field === '\\N') return null;
  return field.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c);
}

describe('COPY text format', () => {
  test.prop([fc.option(fc.string({ unit: fc.constantFrom('a', 'Z', '9', '\\', '\t', '\n', '\r', 'N', ' ', 'é') }), { nil: null })])(
    'a field reads back as the value, and never holds a raw tab or line break',
    (value) => {
      const field = copyField(value);
      expect(field).not.toMatch(/[\t\n\r]/);
      expect(parseField(field)).toBe(value);
    },
  );

  test.prop([fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { minLength: 1, maxLength: 6 })])(
    'a line splits back into its fields',
    (values) => {
      const line = copyLine(values);
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1).split('\t').map(parseField)).toEqual(values.map((v) => (typeof v === 'number' ? String(v) : v)));
    },
  );
});
