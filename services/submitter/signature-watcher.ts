// One getSignatureStatuses (+ getBlockHeight) per tick for every operation waiting, instead of
// one poll per operation: hundreds of in-flight transactions cost a few RPC calls a tick.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RpcPool } from '../lib/solana/rpc-pool.ts';
import type { SigStatus } from './decide.ts';

export interface ChainView {
  statuses: Map<string, SigStatus | null>;
  /** Read before the statuses, so "height passed and not found" cannot race a landing. */
  blockHeight: number;
}

interface Waiter {
  signatures: string[];
  resolve: (v: ChainView) => void;
  reject: (err: unknown) => void;
}

export class SignatureWatcher {
  private waiters: Waiter[] = [];
  private loop: Promise<void> | undefined;

  constructor(
    private readonly rpc: RpcPool,
    private readonly pollMs: number,
    private readonly signal: AbortSignal,
  ) {}

  /** Resolves at the next tick with the status of each signature and the block height. */
  look(signatures: string[]): Promise<ChainView> {
    const p = new Promise<ChainView>((resolve, reject) => this.waiters.push({ signatures, resolve, reject }));
    this.loop ??= this.run();
    return p;
  }

  private async run(): Promise<void> {
    try {
      while (this.waiters.length > 0 && !this.signal.aborted) {
        await sleep(this.pollMs);
        const batch = this.waiters;
        this.waiters = [];
        try {
          const view = await this.fetch([...new Set(batch.flatMap((w) => w.signatures))]);
          for (const w of batch) w.resolve(view);
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
      for (const w of this.waiters.splice(0)) w.reject(new Error('signature watcher stopped'));
    } finally {
      this.loop = undefined;
    }
  }

  private async fetch(signatures: string[]): Promise<ChainView> {
    const blockHeight = await this.rpc.call('getBlockHeight', (c) => c.getBlockHeight('confirmed'), this.signal);
    const statuses = new Map<string, SigStatus | null>();
    for (let i = 0; i < signatures.length; i += 256) {
      const chunk = signatures.slice(i, i + 256);
      const value = await this.rpc.signatureStatuses(chunk, this.signal);
      chunk.forEach((sig, j) => statuses.set(sig, value[j] ?? null));
    }
    return { statuses, blockHeight };
  }
}
