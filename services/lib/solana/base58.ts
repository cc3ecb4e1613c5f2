// Base58 (Bitcoin alphabet) text of raw bytes, as addresses are written. The usual byte-at-a-time
// conversion costs about 2 µs per 32-byte key, which adds up to a large share of a Token program
// scan (two keys per account, 100,000s of accounts); working in 16-bit input digits and 58^5
// output limbs does the same division in a tenth of the steps.
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const LIMB = 58 ** 5; // every intermediate (limb * 2^16 + carry) stays below 2^53
const ONE = 0x31; // '1', the zero digit

export function base58(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  // The value in little-endian base-58^5 limbs, fed big-endian 16-bit digits (an odd length
  // starts with one byte on its own).
  const limbs: number[] = [];
  let i = zeros;
  if ((bytes.length - i) % 2 === 1) push(limbs, bytes[i++] as number, 256);
  for (; i < bytes.length; i += 2) push(limbs, ((bytes[i] as number) << 8) | (bytes[i + 1] as number), 65536);
  const digits: number[] = new Array(limbs.length * 5);
  let at = digits.length;
  for (const limb of limbs) {
    let v = limb;
    for (let d = 0; d < 5; d++) {
      const q = Math.floor(v / 58);
      digits[--at] = CODES[v - q * 58] as number;
      v = q;
    }
  }
  // The top limb is padded with zero digits: only the zero bytes' '1's belong in front.
  let lead = 0;
  while (lead < digits.length && digits[lead] === ONE) lead++;
  return '1'.repeat(zeros) + String.fromCharCode(...digits.slice(lead));
}

/** limbs (little-endian, base 58^5) = limbs * base + digit. */
function push(limbs: number[], digit: number, base: number): void {
  let carry = digit;
  for (let j = 0; j < limbs.length; j++) {
    const x = (limbs[j] as number) * base + carry;
    carry = Math.floor(x / LIMB);
    limbs[j] = x - carry * LIMB;
  }
  while (carry > 0) {
    const q = Math.floor(carry / LIMB);
    limbs.push(carry - q * LIMB);
    carry = q;
  }
}
