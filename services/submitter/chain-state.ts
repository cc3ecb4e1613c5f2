// "Already done on chain": whether the effect an operation asks for is already there, read at
// `confirmed`. Used before signing a new attempt and before declaring a failure, so a lost
// confirmation or a duplicate request ends as success instead of a second effect.
import { PublicKey, type AccountInfo } from '@solana/web3.js';
import { unpackAccount, unpackMint } from '@solana/spl-token';
import type { RpcPool } from '../lib/solana/rpc-pool.ts';
import { tokenAccountOf } from '../lib/solana/transactions.ts';
import type { Operation } from './operation.ts';

export type ChainOutcome = { kind: 'done'; slot: number } | { kind: 'not_done' } | { kind: 'conflict'; reason: string };

export interface MintView {
  supply: bigint;
  decimals: number;
  hasMintAuthority: boolean;
}

/** Pure: the decision from decoded accounts (null = account absent). */
export function judge(type: Operation['type'], mint: MintView | null, holderAmount: bigint | null): ChainOutcome | { kind: 'done_at_slot' } {
  switch (type) {
    case 'mint':
      if (mint === null) return { kind: 'not_done' };
      if (mint.supply === 1n && mint.decimals === 0 && !mint.hasMintAuthority && holderAmount === 1n) return { kind: 'done_at_slot' };
      return {
        kind: 'conflict',
        reason: `mint account exists but is not an NFT held by the recipient (supply ${mint.supply}, holder amount ${holderAmount ?? 'none'})`,
      };
    case 'transfer':
      return holderAmount === 1n ? { kind: 'done_at_slot' } : { kind: 'not_done' };
    case 'burn':
      return mint !== null && mint.supply === 0n && (holderAmount === null || holderAmount === 0n) ? { kind: 'done_at_slot' } : { kind: 'not_done' };
  }
}

export async function chainOutcome(rpc: RpcPool, op: Operation, signal?: AbortSignal): Promise<ChainOutcome> {
  const mint = new PublicKey(op.mint);
  // Mint and transfer: the recipient's account; burn: the burner's (closed after the burn).
  const holder = new PublicKey(op.type === 'burn' ? op.from! : op.to!);
  const holderAta = tokenAccountOf(mint, holder);
  const { context, value } = await rpc.call(
    'getMultipleAccountsInfo',
    (conn) => conn.getMultipleAccountsInfoAndContext([mint, holderAta], 'confirmed'),
    signal,
  );
  const [mintInfo, ataInfo] = value as [AccountInfo<Buffer> | null, AccountInfo<Buffer> | null];
  let mintView: MintView | null = null;
  let amount: bigint | null = null;
  try {
    if (mintInfo) {
      const m = unpackMint(mint, mintInfo);
      mintView = { supply: m.supply, decimals: m.decimals, hasMintAuthority: m.mintAuthority !== null };
    }
    if (ataInfo) amount = unpackAccount(holderAta, ataInfo).amount;
  } catch (err) {
    return { kind: 'conflict', reason: `account at the mint or holder address is not a token account: ${(err as Error).message}` };
  }
  const j = judge(op.type, mintView, amount);
  return j.kind === 'done_at_slot' ? { kind: 'done', slot: context.slot } : j;
}
