// Runs operations: per mint one at a time in intake order (the head op, then the next), up to
// `capacity` mints at once, each under a database lease so two instances never work on the same
// mint. A periodic scan (and a wake-up from intake) picks up new and unfinished work, which is
// also how a restart resumes in-flight attempts.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from '../lib/db.ts';
import type { Logger } from '../lib/logger.ts';
import { runOp, type ExecContext } from './executor.ts';
import { lostLeases, pickRunnable, type LeaseWorker } from './schedule.ts';
import * as store from './store.ts';

export interface SchedulerOptions {
  holder: string;
  capacity: number;
  leaseTtlMs: number;
  scanMs: number;
}

interface Worker extends LeaseWorker {
  abort: AbortController;
  done: Promise<void>;
}

export class Scheduler {
  private readonly running = new Map<string, Worker>();
  private wake: (() => void) | undefined;
  /** A poke that came while a fill ran: fill again at once instead of after a whole scan period. */
  private poked = false;
  private loops: Promise<void>[] = [];
  private readonly stop = new AbortController();

  constructor(
    private readonly pool: Pool,
    private readonly exec: ExecContext,
    private readonly opts: SchedulerOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.loops = [this.scanLoop(), this.leaseLoop()];
  }

  /** New work may be there (intake committed, or a mint finished). */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** Stops taking work, stops every worker at its next await (all progress is persisted), releases the leases. */
  async close(): Promise<void> {
    this.stop.abort();
    this.poke();
    for (const r of this.running.values()) r.abort.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await Promise.allSettled(this.loops);
  }

  private async scanLoop(): Promise<void> {
    while (!this.stop.signal.aborted) {
      this.poked = false;
      let filled = true;
      try {
        await this.fill();
      } catch (err) {
        filled = false;
        this.logger.warn({ err }, 'scheduler scan failed; retrying');
      }
      if (filled && this.poked) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.opts.scanMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async fill(): Promise<void> {
    const free = this.opts.capacity - this.running.size;
    if (free <= 0 || this.stop.signal.aborted) return;
    const heads = await store.runnableHeads(this.pool, this.opts.holder, [...this.running.keys()], free);
    const picked = pickRunnable(heads, new Set(this.running.keys()), this.opts.capacity);
    const claimed = await store.claimLeases(
      this.pool,
      this.opts.holder,
      picked.map((p) => p.mint),
      this.opts.leaseTtlMs,
    );
    const first = await store.headOps(this.pool, claimed);
    for (const mint of claimed) {
      if (this.running.has(mint) || this.stop.signal.aborted) continue;
      const abort = new AbortController();
      const entry: Worker = { abort, done: Promise.resolve(), releasing: false };
      this.running.set(mint, entry);
      entry.done = this.runMint(mint, first.get(mint), entry).finally(() => {
        this.running.delete(mint);
        this.exec.metrics.inFlight.set(this.running.size);
        this.poke();
      });
    }
    this.exec.metrics.inFlight.set(this.running.size);
  }

  /** The mint's ops one after another, from `head` (read after the lease was taken), while this instance holds its lease. */
  private async runMint(mint: string, head: store.StoredOp | undefined, worker: Worker): Promise<void> {
    const signal = worker.abort.signal;
    try {
      let op = head;
      while (op && !signal.aborted) {
        await runOp(this.exec, op, signal);
        if (signal.aborted) break;
        worker.releasing = true;
        op = await store.nextOpOrRelease(this.pool, this.opts.holder, mint);
        worker.releasing = false;
        // Nothing left: nextOpOrRelease has released the lease already.
        if (!op) return;
      }
    } catch (err) {
      this.logger.error({ err, mint }, 'mint worker failed; the lease lapses and the op is resumed later');
      await sleep(1_000);
      return;
    }
    // Nothing to do from the start, or stopped with work left (shutdown, lease lost): hand the mint back.
    await store
      .releaseLeases(this.pool, this.opts.holder, [mint])
      .catch((err: unknown) => this.logger.warn({ err, mint }, 'lease release failed; it will expire'));
  }

  private async leaseLoop(): Promise<void> {
    const every = Math.max(100, Math.floor(this.opts.leaseTtlMs / 3));
    while (!this.stop.signal.aborted) {
      await sleep(every, undefined, { signal: this.stop.signal }).catch(() => undefined);
      if (this.stop.signal.aborted) break;
      const atRenewal = new Map(this.running);
      try {
        const kept = await store.renewLeases(this.pool, this.opts.holder, [...atRenewal.keys()], this.opts.leaseTtlMs);
        for (const m of lostLeases(atRenewal, kept, this.running)) {
          // Another instance may own it now: stop before doing anything more on this mint.
          this.logger.warn({ mint: m }, 'lease lost; stopping work on this mint');
          this.running.get(m)?.abort.abort();
        }
      } catch (err) {
        this.logger.warn({ err }, 'lease renewal failed');
      }
    }
  }
}
