import { fc, test } from '@fast-check/vitest';
import { PublicKey } from '@solana/web3.js';
import { ASSOCIATED_TOKEN_PROGRAM_ID, getAssociatedTokenAddressSync } from '@solana/spl-token';
import { describe, expect, it } from 'vitest';
import { findProgramAddress, isOnCurve, jacobi } from './pda.ts';

const P = 2n ** 255n - 19n;
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
/** y as 32 little-endian bytes, with the sign bit. */
const encode = (y: bigint, sign: boolean) => {
  const b = new Uint8Array(32);
  for (let i = 0; i < 32; i++) b[i] = Number((y >> BigInt(8 * i)) & 0xffn);
  if (sign) b[31]! |= 0x80;
  return b;
};

describe('isOnCurve', () => {
  test.prop([bytes32], { numRuns: 3000 })('agrees with web3.js on any 32 bytes', (b) => {
    expect(isOnCurve(b)).toBe(PublicKey.isOnCurve(b));
  });

  it.each([
    ['y = 0', 0n, false],
    ['y = 1 (x = 0)', 1n, false],
    ['y = 1 (x = 0) with the sign bit', 1n, true],
    ['y = p - 1 (x = 0)', P - 1n, false],
    ['y = p - 1 (x = 0) with the sign bit', P - 1n, true],
    ['y = p', P, false],
    ['y = p + 1', P + 1n, true],
    ['y = 2^255 - 1', 2n ** 255n - 1n, false],
    ['the base point', 46316835694926478169428394003475163141307993866256225615783033603165251855960n, false],
  ])('agrees with web3.js at the edges: %s', (_, y, sign) => {
    const b = encode(y, sign);
    expect(isOnCurve(b)).toBe(PublicKey.isOnCurve(b));
  });

  it('refuses anything but 32 bytes', () => {
    expect(isOnCurve(new Uint8Array(31))).toBe(false);
  });
});

describe('jacobi', () => {
  test.prop([fc.bigInt({ min: 0n, max: 10_000n }), fc.constantFrom(3n, 5n, 7n, 11n, 13n, 10007n)])("is Euler's criterion for a prime modulus", (a, p) => {
    let e = 1n;
    let base = a % p;
    for (let k = (p - 1n) / 2n; k > 0n; k >>= 1n) {
      if (k & 1n) e = (e * base) % p;
      base = (base * base) % p;
    }
    expect(jacobi(a, p)).toBe(e === 0n ? 0 : e === 1n ? 1 : -1);
  });
});

describe('findProgramAddress', () => {
  const key = bytes32.map((b) => new PublicKey(b));
  test.prop([fc.array(fc.uint8Array({ maxLength: 32 }), { maxLength: 4 }), key], { numRuns: 300 })('derives what web3.js derives', (seeds, program) => {
    const [address, bump] = findProgramAddress(seeds, program);
    const [expected, expectedBump] = PublicKey.findProgramAddressSync(seeds, program);
    expect(address.toBase58()).toBe(expected.toBase58());
    expect(bump).toBe(expectedBump);
  });

  test.prop([key, key], { numRuns: 200 })('gives the associated token account spl-token gives', (mint, owner) => {
    const [address] = findProgramAddress(
      [owner.toBytes(), new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA').toBytes(), mint.toBytes()],
      ASSOCIATED_TOKEN_PROGRAM_ID,
    );
    expect(address.toBase58()).toBe(getAssociatedTokenAddressSync(mint, owner, true).toBase58());
  });

  it('refuses a seed over 32 bytes, as web3.js does', () => {
    expect(() => findProgramAddress([new Uint8Array(33)], PublicKey.default)).toThrow(/Max seed length exceeded/);
  });
});
