import type { AccountChange } from './accounts.ts';
import type { Commitment } from './commitment.ts';
import type { TxErrorJson } from './txerror.ts';
import type { AccountSnap } from './accounts.ts';

export interface Block {
  slot: number;
  parent: number;
  height: number;
  blockhash: string;
  blockTime: number;
  changes: Map<string, AccountChange>;
  signatures: string[];
}

export interface TokenBalance {
  accountIndex: number;
  mint: string;
  owner: string;
  programId: string;
  uiTokenAmount: { amount: string; decimals: number; uiAmount: number | null; uiAmountString: string };
}

export interface TxRecord {
  signature: string;
  slot: number;
  height: number;
  blockTime: number;
  err: TxErrorJson | null;
  logs: string[];
  fee: number;
  computeUnits: number;
  preBalances: number[];
  postBalances: number[];
  preTokenBalances: TokenBalance[];
  postTokenBalances: TokenBalance[];
  accountKeys: string[];
  version: 'legacy' | 0;
  transaction: { signatures: string[]; message: Record<string, unknown> };
}

export interface SlotInfo {
  slot: number;
  parent: number;
  root: number;
}

/** What the chain tells the subscription layer; every call is synchronous and must not throw. */
export interface ChainEvents {
  /** `block` just reached `level`; its changes' `post` values are what that level now shows. */
  onBlock(level: Commitment, block: Block, txs: readonly TxRecord[]): void;
  onSlot(info: SlotInfo): void;
  onRoot(slot: number): void;
}

export type SubmitResult = { ok: true; signature: string } | { ok: false; signature: string; err: TxErrorJson; logs: string[]; unitsConsumed: number };

export interface SimulateResult {
  err: TxErrorJson | null;
  logs: string[];
  unitsConsumed: number;
  /**
   * An account as the simulation left it (null: closed); undefined when the transaction does not
   * name it. Read on demand: copying the post-state copies every account named, programs included.
   */
  postAccount(address: string): AccountSnap | null | undefined;
  returnData: { programId: string; data: Uint8Array } | null;
}
