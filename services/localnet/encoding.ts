// Account values in the JSON shapes of the real RPC (UiAccount), for every supported encoding.
import { getBase58Decoder } from '@solana/kit';
import type { AccountSnap } from './accounts.ts';
import { isTokenProgram, parseTokenData } from './token.ts';

export type AccountEncoding = 'base64' | 'base58' | 'jsonParsed';

export interface DataSlice {
  offset: number;
  length: number;
}

/** Rent-exempt accounts report u64::MAX, as the real node does since rent collection ended. */
const RENT_EPOCH = 18446744073709551615;

export function parseEncoding(value: unknown, fallback: AccountEncoding): AccountEncoding | null {
  if (value === undefined || value === null) return fallback;
  if (value === 'base64' || value === 'base58' || value === 'jsonParsed') return value;
  if (value === 'binary') return 'base58';
  return null;
}

export function parseDataSlice(value: unknown): DataSlice | null | 'invalid' {
  if (value === undefined || value === null) return null;
  const v = value as Record<string, unknown>;
  if (!Number.isInteger(v.offset) || !Number.isInteger(v.length)) return 'invalid';
  return { offset: v.offset as number, length: v.length as number };
}

export type MintDecimals = (mint: string) => number | null;

export function encodeAccount(
  a: AccountSnap,
  encoding: AccountEncoding,
  slice: DataSlice | null,
  mintDecimals: MintDecimals,
): Record<string, unknown> {
  const base = {
    executable: a.executable,
    lamports: Number(a.lamports),
    owner: a.owner,
    rentEpoch: RENT_EPOCH,
    space: a.data.length,
  };
  if (encoding === 'jsonParsed' && isTokenProgram(a.owner) && !slice) {
    const parsed = parseTokenData(a.data, mintDecimals);
    if (parsed) {
      const program = a.owner === 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA' ? 'spl-token' : 'spl-token-2022';
      return { ...base, data: { program, parsed, space: a.data.length } };
    }
  }
  const data = slice ? a.data.subarray(slice.offset, slice.offset + slice.length) : a.data;
  if (encoding === 'base58') return { ...base, data: [getBase58Decoder().decode(data), 'base58'] };
  return { ...base, data: [Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'), 'base64'] };
}
