// Account values in the JSON shapes of the real RPC (UiAccount), for every supported encoding.
import { base58 } from '../lib/solana/base58.ts';
import type { AccountSnap } from './accounts.ts';
import { isTokenProgram, parseTokenData } from './token.ts';

export type AccountEncoding = 'base64' | 'base58' | 'jsonParsed';

export interface DataSlice {
  offset: number;
  length: number;
}

/** Rent-exempt accounts report u64::MAX, as the real node does since rent collection ended. */
// JSON numbers are doubles: u64::MAX serialises as 18446744073709552000, which is what clients parse.
const RENT_EPOCH = Number(18446744073709551615n);

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

export function encodeAccount(a: AccountSnap, encoding: AccountEncoding, slice: DataSlice | null, mintDecimals: MintDecimals): Record<string, unknown> {
  let data: unknown;
  if (encoding === 'jsonParsed' && isTokenProgram(a.owner) && !slice) {
    const parsed = parseTokenData(a.data, mintDecimals);
    if (parsed) {
      const program = a.owner === 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA' ? 'spl-token' : 'spl-token-2022';
      data = { program, parsed, space: a.data.length };
    }
  }
  if (data === undefined) {
    const bytes = slice ? a.data.subarray(slice.offset, slice.offset + slice.length) : a.data;
    data = encoding === 'base58' ? [base58(bytes), 'base58'] : [Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), 'base64'];
  }
  // One literal, not a spread of a shared base: a program scan encodes 100,000s of these.
  return { executable: a.executable, lamports: Number(a.lamports), owner: a.owner, rentEpoch: RENT_EPOCH, space: a.data.length, data };
}
