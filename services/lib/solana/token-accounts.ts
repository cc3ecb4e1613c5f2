// SPL Token account layouts, decoded from raw account data. Ingest sees every Token-program
// account change on the chain, so decoding must be cheap and must reject what is not a live
// account of the expected kind rather than throw.
import { PublicKey } from '@solana/web3.js';

export const TOKEN_ACCOUNT_SIZE = 165;
export const MINT_ACCOUNT_SIZE = 82;

export interface TokenAccountData {
  mint: string;
  owner: string;
  amount: bigint;
}

export interface MintAccountData {
  supply: bigint;
  decimals: number;
  mintAuthority: string | null;
}

const key = (data: Uint8Array, offset: number) => new PublicKey(data.subarray(offset, offset + 32)).toBase58();
const u64 = (data: Uint8Array, offset: number) => Buffer.from(data.buffer, data.byteOffset + offset, 8).readBigUInt64LE(0);

/** mint(32) owner(32) amount(u64) … state(u8 at 108; 0 = uninitialized). Null for anything else. */
export function decodeTokenAccount(data: Uint8Array): TokenAccountData | null {
  if (data.length !== TOKEN_ACCOUNT_SIZE || data[108] === 0) return null;
  return { mint: key(data, 0), owner: key(data, 32), amount: u64(data, 64) };
}

/** mintAuthority option(u32 + 32) supply(u64 at 36) decimals(u8 at 44) isInitialized(u8 at 45). */
export function decodeMintAccount(data: Uint8Array): MintAccountData | null {
  if (data.length !== MINT_ACCOUNT_SIZE || data[45] === 0) return null;
  const hasAuthority = Buffer.from(data.buffer, data.byteOffset, 4).readUInt32LE(0) === 1;
  return { supply: u64(data, 36), decimals: data[44] ?? 0, mintAuthority: hasAuthority ? key(data, 4) : null };
}
