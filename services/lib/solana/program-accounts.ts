// getProgramAccounts through the RPC pool as plain JSON-RPC, with its context slot. Not through
// web3.js: it checks each of the (possibly 100,000s of) entries with superstruct, which costs more
// than the node's work.
import type { Commitment } from '@solana/web3.js';
import { PermanentError } from '../errors.ts';
import type { RpcPool } from './rpc-pool.ts';

export interface ProgramAccountsQuery {
  commitment: Commitment;
  filters?: unknown[];
  dataSlice?: { offset: number; length: number };
}

export interface KeyedData {
  pubkey: string;
  data: Buffer;
}

interface Answer {
  context?: { slot?: unknown };
  value?: Array<{ pubkey: string; account: { data: [string, string] } }>;
}

/** Every account of `program` matching the query, at the slot the node read them. */
export async function programAccounts(
  rpc: RpcPool,
  program: string,
  query: ProgramAccountsQuery,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ slot: number; accounts: KeyedData[] }> {
  const res = (await rpc.request('getProgramAccounts', [program, { ...query, encoding: 'base64', withContext: true }], opts)) as Answer | null;
  if (typeof res?.context?.slot !== 'number' || !Array.isArray(res.value))
    throw new PermanentError('getProgramAccounts answered without a context slot (withContext unsupported)', { endpoint: rpc.urls.join(',') });
  return { slot: res.context.slot, accounts: res.value.map(({ pubkey, account }) => ({ pubkey, data: Buffer.from(account.data[0], 'base64') })) };
}
