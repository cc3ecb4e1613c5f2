import { readFileSync } from 'node:fs';
import { Keypair, PublicKey } from '@solana/web3.js';
import { slip10Ed25519, solanaWalletPath } from './slip10.ts';

/** Reads a solana-keygen JSON keypair file (64 numbers). Errors name the file, never its content. */
export function loadKeypairFile(path: string): Keypair {
  let bytes: unknown;
  try {
    bytes = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    // No cause attached: JSON.parse's message quotes the file's text, which is a secret key.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`cannot read keypair file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'not JSON'}`);
  }
  if (!Array.isArray(bytes) || bytes.length !== 64 || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    throw new Error(`keypair file ${path} is not a solana-keygen keypair (expected a JSON array of 64 bytes)`);
  }
  return Keypair.fromSecretKey(Uint8Array.from(bytes as number[]));
}

/** The master seed of the custodial wallets: a file of at least 32 random bytes, hex or raw. */
export function loadMasterSeedFile(path: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    // eslint-disable-next-line preserve-caught-error -- as above: the cause may quote the seed
    throw new Error(`cannot read master seed file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  const text = raw.toString('utf8').trim();
  const seed = /^[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0 ? Buffer.from(text, 'hex') : raw;
  if (seed.length < 32) throw new Error(`master seed file ${path} holds ${seed.length} bytes; at least 32 are needed`);
  return seed;
}

/** The custodial wallet at `index`: deterministic, so the platform never stores per-user keys. */
export function custodialKeypair(masterSeed: Uint8Array, index: number): Keypair {
  return Keypair.fromSeed(slip10Ed25519(masterSeed, solanaWalletPath(index)));
}

/** A base58 address of a 32-byte public key, or undefined: bad input is the caller's to report. */
export function parsePublicKey(value: unknown): PublicKey | undefined {
  if (typeof value !== 'string' || value.length < 32 || value.length > 44) return undefined;
  try {
    const key = new PublicKey(value);
    return key.toBase58() === value ? key : undefined;
  } catch {
    return undefined;
  }
}
