import { getBase58Decoder } from '@solana/kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base58 } from './base58.ts';

// @solana/kit's codec is the reference: a different implementation of the same encoding.
const reference = getBase58Decoder();

describe('base58', () => {
  it('writes any bytes as the reference does, leading zero bytes included', () => {
    fc.assert(
      fc.property(fc.nat({ max: 4 }), fc.uint8Array({ maxLength: 70 }), (zeros, rest) => {
        const bytes = Uint8Array.from([...new Array<number>(zeros).fill(0), ...rest]);
        expect(base58(bytes)).toBe(reference.decode(bytes));
      }),
      { numRuns: 2_000 },
    );
  });

  it('writes 32-byte keys as the reference does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
        expect(base58(key)).toBe(reference.decode(key));
      }),
      { numRuns: 2_000 },
    );
    expect(base58(new Uint8Array(32))).toBe('11111111111111111111111111111111');
    expect(base58(new Uint8Array(32).fill(255))).toBe(reference.decode(new Uint8Array(32).fill(255)));
  });
});
