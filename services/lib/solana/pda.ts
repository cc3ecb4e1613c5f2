// Program-derived addresses as web3.js's findProgramAddressSync derives them, with a cheaper test
// of "is this hash a curve point". web3.js decompresses the point (a square root mod p: about 255
// modular squarings of BigInts), twice per address on average, which made deriving each mint's
// associated token account a millisecond of the submitter's CPU. Whether a root exists is a
// Legendre symbol, which the binary Jacobi algorithm computes with shifts and small remainders.
// Agreement with web3.js on any input is property-tested (pda.test.ts).
import { createHash } from 'node:crypto';
import { PublicKey } from '@solana/web3.js';

const P = 2n ** 255n - 19n;
const D = (-121665n * modInverse(121666n)) % P;

function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

function modInverse(a: bigint): bigint {
  // Fermat: a^(p-2); runs once, for D.
  let result = 1n;
  let base = ((a % P) + P) % P;
  for (let e = P - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * base) % P;
    base = (base * base) % P;
  }
  return result;
}

/** Jacobi symbol (a/n) for odd n > 0: 1, -1 or 0. With n prime it says whether a is a square mod n. */
export function jacobi(a: bigint, n: bigint): number {
  let x = ((a % n) + n) % n;
  let m = n;
  let result = 1;
  while (x !== 0n) {
    while ((x & 1n) === 0n) {
      x >>= 1n;
      const r = m & 7n;
      if (r === 3n || r === 5n) result = -result;
    }
    [x, m] = [m, x];
    if ((x & 3n) === 3n && (m & 3n) === 3n) result = -result;
    x %= m;
  }
  return m === 1n ? result : 0;
}

/**
 * Whether 32 bytes decode as an Ed25519 point under RFC 8032 5.1.3 (as web3.js's isOnCurve, which
 * uses noble's strict decoding): y below p, (y² - 1) / (d·y² + 1) a square, and not x = 0 with the
 * sign bit set.
 */
export function isOnCurve(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? bytes[i]! & 0x7f : bytes[i]!);
  if (y >= P) return false;
  const y2 = mod(y * y);
  const u = mod(y2 - 1n);
  const v = mod(D * y2 + 1n); // never 0: -1/d is not a square
  if (u === 0n) return (bytes[31]! & 0x80) === 0; // x = 0: only with the sign bit clear
  // u/v is a square exactly when u·v is (v² is one).
  return jacobi(mod(u * v), P) === 1;
}

const PDA_MARKER = Buffer.from('ProgramDerivedAddress');

/** findProgramAddressSync: the highest bump (255 down) whose hash is off the curve. */
export function findProgramAddress(seeds: ReadonlyArray<Uint8Array>, programId: PublicKey): [PublicKey, number] {
  for (const seed of seeds) if (seed.length > 32) throw new TypeError('Max seed length exceeded');
  const program = programId.toBytes();
  for (let bump = 255; bump >= 0; bump--) {
    const h = createHash('sha256');
    for (const seed of seeds) h.update(seed);
    h.update(Uint8Array.of(bump)).update(program).update(PDA_MARKER);
    const hash = h.digest();
    if (!isOnCurve(hash)) return [new PublicKey(hash), bump];
  }
  throw new Error('Unable to find a viable program address bump seed');
}
