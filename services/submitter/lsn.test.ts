import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { formatLsn, parseLsn } from './lsn.ts';

const lsnArb = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe('WAL positions', () => {
  test.prop([lsnArb])('format and parse round-trip', (lsn) => {
    expect(parseLsn(formatLsn(lsn))).toBe(lsn);
  });

  test.prop([lsnArb, lsnArb])('compare as the positions they name, not as text', (a, b) => {
    expect(parseLsn(formatLsn(a)) < parseLsn(formatLsn(b))).toBe(a < b);
  });

  it('reads what Postgres writes, and refuses anything else', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
    expect(parseLsn('0/9')).toBe(9n);
    expect(() => parseLsn('16-B374D848')).toThrow(RangeError);
  });
});
