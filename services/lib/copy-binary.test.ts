import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { BinaryCopyWriter } from './copy-binary.ts';

type Kind = 'text' | 'int8' | 'timestamptz';

/** COPY's binary format read back the way the server reads it (PostgreSQL docs), independent of the writer. */
function readCopy(buf: Buffer, kinds: Kind[]): Array<Array<string | number | null>> {
  expect(buf.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
  expect(buf.readInt32BE(11)).toBe(0); // flags
  let at = 15 + 4 + buf.readInt32BE(15); // past the header extension
  const rows: Array<Array<string | number | null>> = [];
  for (;;) {
    const fields = buf.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    expect(fields).toBe(kinds.length);
    const row: Array<string | number | null> = [];
    for (const kind of kinds) {
      const length = buf.readInt32BE(at);
      at += 4;
      if (length === -1) {
        row.push(null);
        continue;
      }
      const bytes = buf.subarray(at, at + length);
      at += length;
      if (kind === 'text') row.push(bytes.toString('utf8'));
      else {
        expect(length).toBe(8);
        const n = Number(bytes.readBigInt64BE(0));
        row.push(kind === 'int8' ? n : n / 1000 + Date.UTC(2000, 0, 1));
      }
    }
    rows.push(row);
  }
  expect(at).toBe(buf.length); // nothing after the trailer
  return rows;
}

// Postgres text holds any Unicode except NUL; whole code points only (a lone surrogate is not text).
// ASCII (the writer's fast path, also past its length limit) and any other text.
const text = fc.option(
  fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 200 }), fc.string({ unit: 'grapheme' })).filter((s) => !s.includes('\0')),
  { nil: null },
);
const safe = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
// 1811 to 2283: within the ±285 years around 2000 whose microseconds a double holds exactly.
const time = fc.integer({ min: -5e12, max: 9.9e12 });
const valueOf = (kind: Kind): fc.Arbitrary<string | number | null> => (kind === 'text' ? text : kind === 'int8' ? safe : time);
// A table shape (column kinds) and rows of that shape.
const table = fc
  .array(fc.constantFrom<Kind>('text', 'int8', 'timestamptz'), { minLength: 1, maxLength: 8 })
  .chain((kinds) => fc.tuple(fc.constant(kinds), fc.array(fc.tuple(...kinds.map(valueOf)), { maxLength: 20 })));

describe('COPY binary format', () => {
  test.prop([table, fc.integer({ min: 1, max: 256 })])('any rows read back as written, whatever buffer the writer starts with', ([kinds, rows], initial) => {
    const w = new BinaryCopyWriter(initial);
    for (const row of rows) {
      w.row(kinds.length);
      row.forEach((v, i) => {
        const kind = kinds[i]!;
        if (kind === 'text') w.text(v as string | null);
        else if (kind === 'int8') w.int8(v as number);
        else w.timestamptz(v as number);
      });
    }
    expect(readCopy(w.finish(), kinds)).toEqual(rows);
  });

  test.prop([safe])("a bigint is the 8-byte two's complement of the value", (n) => {
    const buf = new BinaryCopyWriter().row(1).int8(n).finish();
    expect(buf.readInt32BE(21)).toBe(8);
    expect(buf.readBigInt64BE(25)).toBe(BigInt(n));
  });

  it('writes the documented bytes for a row of NULL, text and a time', () => {
    const buf = new BinaryCopyWriter(1)
      .row(3)
      .nil()
      .text('é')
      .timestamptz(Date.UTC(2000, 0, 1, 0, 0, 1))
      .finish();
    expect(buf.toString('hex')).toBe(
      [
        Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1').toString('hex'),
        '00000000', // flags
        '00000000', // header extension length
        '0003', // fields
        'ffffffff', // NULL
        '00000002c3a9', // 'é' in UTF-8
        '00000008' + '00000000000f4240', // one second after 2000-01-01 in microseconds
        'ffff', // trailer
      ].join(''),
    );
  });

  it('refuses values it cannot encode exactly', () => {
    const w = new BinaryCopyWriter().row(1);
    expect(() => w.int8(2 ** 53)).toThrow(RangeError);
    expect(() => w.int8(1.5)).toThrow(RangeError);
    expect(() => w.timestamptz(1.5)).toThrow(RangeError);
    expect(() => w.timestamptz(8.64e15)).toThrow(RangeError); // a valid Date, but its microseconds are not exact in a double
  });
});
