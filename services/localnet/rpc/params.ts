// Parameter readers: each throws -32602 with the real node's wording where it matters.
import { PublicKey } from '@solana/web3.js';
import { parseCommitment, type Commitment } from '../commitment.ts';
import { parseDataSlice, parseEncoding, type AccountEncoding, type DataSlice } from '../encoding.ts';
import { invalidParams } from './errors.ts';

export type Params = readonly unknown[];

// web3.js's table-driven base58 decode: kit's codec converts through BigInt arithmetic, about
// 25 µs a key, and getMultipleAccounts checks every key it is given (chain-ingest's backfills and
// sweeps ask for hundreds at a time).
export function isPubkey(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < 32 || value.length > 44) return false;
  try {
    new PublicKey(value);
    return true;
  } catch {
    return false;
  }
}

export function pubkeyAt(params: Params, i: number): string {
  const v = params[i];
  if (!isPubkey(v)) throw invalidParams('Invalid param: Invalid');
  return v;
}

export function stringAt(params: Params, i: number, what: string): string {
  const v = params[i];
  if (typeof v !== 'string') throw invalidParams(`Invalid param: ${what} must be a string`);
  return v;
}

export function configAt(params: Params, i: number): Record<string, unknown> {
  const v = params[i];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidParams('Invalid params: config must be an object');
  return v as Record<string, unknown>;
}

export function commitmentOf(config: Record<string, unknown>, fallback: Commitment = 'finalized'): Commitment {
  const c = parseCommitment(config.commitment, fallback);
  if (c === null) throw invalidParams(`Invalid params: unknown commitment ${String(config.commitment)}`);
  return c;
}

export function encodingOf(config: Record<string, unknown>, fallback: AccountEncoding = 'base58'): AccountEncoding {
  const e = parseEncoding(config.encoding, fallback);
  if (e === null) throw invalidParams(`Invalid params: unsupported encoding ${String(config.encoding)}`);
  return e;
}

export function dataSliceOf(config: Record<string, unknown>): DataSlice | null {
  const s = parseDataSlice(config.dataSlice);
  if (s === 'invalid') throw invalidParams('Invalid params: invalid dataSlice');
  return s;
}

/** getBalance / getSlot style calls also accept a bare commitment string in old clients. */
export function leadingConfig(params: Params, i: number): Record<string, unknown> {
  const v = params[i];
  if (typeof v === 'string') return { commitment: v };
  return configAt(params, i);
}
