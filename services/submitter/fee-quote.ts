// Asks the chain what a transaction needs: the compute units it uses (simulateTransaction of a
// draft signed with the maximum limit) and the recent priority fees of the accounts it writes
// (getRecentPrioritizationFees); fee-policy.ts turns both into the budget the attempt is signed
// with. Both reads go through the RPC pool, so failover and a 429's Retry-After apply.
import { RetryableError } from '../lib/errors.ts';
import type { RpcPool } from '../lib/solana/rpc-pool.ts';
import type { SignedTx } from '../lib/solana/signing.ts';

export interface ChainFeeView {
  /** Units the draft used in simulation; null when it failed there (its own broadcast will say why). */
  unitsConsumed: number | null;
  /** The recent slots' priority fees for the accounts written, micro-lamports per unit. */
  recentFees: number[];
}

export async function readChainFees(rpc: RpcPool, draft: SignedTx, signal?: AbortSignal): Promise<ChainFeeView> {
  const [simulation, fees] = await Promise.all([
    rpc.request(
      'simulateTransaction',
      [Buffer.from(draft.bytes).toString('base64'), { encoding: 'base64', sigVerify: false, replaceRecentBlockhash: true, commitment: 'confirmed' }],
      signal ? { signal } : {},
    ),
    rpc.request('getRecentPrioritizationFees', [draft.writableKeys], signal ? { signal } : {}),
  ]);
  return { unitsConsumed: unitsOf(simulation, draft.signature), recentFees: feesOf(fees, draft.signature) };
}

function unitsOf(answer: unknown, signature: string): number | null {
  const value = (answer as { value?: { err?: unknown; unitsConsumed?: unknown } } | null)?.value;
  if (!value || typeof value !== 'object') throw new RetryableError(`simulateTransaction answered without a value: ${JSON.stringify(answer)}`, { signature });
  if (value.err !== null && value.err !== undefined) return null;
  return typeof value.unitsConsumed === 'number' && value.unitsConsumed > 0 ? value.unitsConsumed : null;
}

function feesOf(answer: unknown, signature: string): number[] {
  if (!Array.isArray(answer)) throw new RetryableError(`getRecentPrioritizationFees answered ${JSON.stringify(answer)}, not a list`, { signature });
  return answer.map((entry: { prioritizationFee?: unknown }) => {
    const fee = entry?.prioritizationFee;
    if (typeof fee !== 'number' || !Number.isFinite(fee) || fee < 0)
      throw new RetryableError(`getRecentPrioritizationFees answered an entry without a fee: ${JSON.stringify(entry)}`, { signature });
    return fee;
  });
}
