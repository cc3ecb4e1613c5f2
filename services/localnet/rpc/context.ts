import type { Logger } from '../../lib/logger.ts';
import type { Chain } from '../chain.ts';
import type { Commitment } from '../commitment.ts';
import type { FaultState } from '../faults.ts';
import type { FeeLevels } from '../fee-market.ts';
import type { ProviderLimits } from '../provider-limits.ts';
import type { Params } from './params.ts';

export const API_VERSION = '2.2.0';

/** Everything a method handler may touch, passed in so handlers stay testable. */
export interface RpcContext {
  chain: Chain;
  faults: FaultState;
  logger: Logger;
  /** A hosted provider's limits (the `public` profile); null: a private node that serves anything. */
  limits: ProviderLimits | null;
  /** The priority-fee level of each recent slot (getRecentPrioritizationFees). */
  fees: FeeLevels;
  /** Sends lamports from the faucet in a real transaction; returns its signature. */
  airdrop(to: string, lamports: bigint): string;
}

export type Handler = (params: Params, ctx: RpcContext) => unknown;

export function withContext(ctx: RpcContext, level: Commitment, value: unknown) {
  return { context: { apiVersion: API_VERSION, slot: ctx.chain.blockAt(level).slot }, value };
}

export function mintDecimalsAt(ctx: RpcContext, level: Commitment) {
  return (mint: string): number | null => {
    const a = ctx.chain.getAccount(mint, level);
    if (!a || a.data.length < 45) return null;
    return a.data[44] ?? null;
  };
}
