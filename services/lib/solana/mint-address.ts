import { createHash } from 'node:crypto';
import { PublicKey } from '@solana/web3.js';
import { TOKEN_PROGRAM_ID } from '@solana/spl-token';

/**
 * createWithSeed takes at most 32 characters of seed. Hashing the ticket id gives a fixed-length
 * seed for any id, and the same id always gives the same seed.
 */
export function mintSeed(ticketId: string): string {
  return createHash('sha256').update(`chainsync:ticket:${ticketId}`).digest('hex').slice(0, 32);
}

/**
 * The mint address of a ticket: derived from the platform authority and the ticket id, so it is
 * known when the mint is requested, and a retried mint can never create a second NFT (the
 * account at this address already exists).
 */
export async function mintAddressFor(authority: PublicKey, ticketId: string): Promise<PublicKey> {
  return PublicKey.createWithSeed(authority, mintSeed(ticketId), TOKEN_PROGRAM_ID);
}

/** A well-formed address (base58 of 32 bytes, as written by the chain): what a mint can be. */
export const isMintAddress = (s: string) => {
  try {
    return new PublicKey(s).toBase58() === s;
  } catch {
    return false;
  }
};
