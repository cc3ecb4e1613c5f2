import { createHmac } from 'node:crypto';

const HARDENED = 0x8000_0000;

/**
 * SLIP-0010 private key derivation for ed25519. Only hardened children exist on this curve, so
 * every index is hardened here. Returns the 32-byte private key (the ed25519 seed).
 */
export function slip10Ed25519(seed: Uint8Array, path: readonly number[]): Buffer {
  let I = createHmac('sha512', 'ed25519 seed').update(seed).digest();
  for (const index of path) {
    if (!Number.isInteger(index) || index < 0 || index >= HARDENED) throw new RangeError(`derivation index out of range: ${index}`);
    const data = Buffer.alloc(37);
    I.copy(data, 1, 0, 32); // 0x00 || key
    data.writeUInt32BE(index + HARDENED, 33);
    I = createHmac('sha512', I.subarray(32)).update(data).digest();
  }
  return I.subarray(0, 32);
}

/** The Solana wallet path (the one Phantom and the Solana CLI use): m/44'/501'/index'/0'. */
export const solanaWalletPath = (index: number): number[] => [44, 501, index, 0];
