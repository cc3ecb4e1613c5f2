// One getLatestBlockhash per `maxAgeMs` for all workers instead of one per signed attempt. A
// blockhash a second old still has ~148 of its 150 blocks of validity, and each attempt records
// the lastValidBlockHeight that belongs to the blockhash it was signed with, so expiry decisions
// (invariant 3) stay exact.
import type { RpcPool } from '../lib/solana/rpc-pool.ts';
import type { Blockhash } from '../lib/solana/transactions.ts';

export class BlockhashCache {
  private current: { at: number; value: Promise<Blockhash> } | undefined;

  constructor(
    private readonly rpc: RpcPool,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A recent blockhash; one valid for fewer than `margin` blocks past `height` is never handed out. */
  async get(signal?: AbortSignal, height = 0, margin = 20): Promise<Blockhash> {
    const cached = await this.fetch(signal, false).catch(() => undefined);
    if (cached && cached.lastValidBlockHeight > height + margin) return cached;
    return this.fetch(signal, true);
  }

  private fetch(signal: AbortSignal | undefined, force: boolean): Promise<Blockhash> {
    const t = this.now();
    if (force || !this.current || t - this.current.at > this.maxAgeMs) {
      const value = this.rpc.call('getLatestBlockhash', (c) => c.getLatestBlockhash('confirmed'), signal);
      this.current = { at: t, value };
      value.catch(() => {
        if (this.current?.value === value) this.current = undefined;
      });
    }
    return this.current.value;
  }
}
