// Which operations may start: per mint strictly in intake order, different mints side by side,
// never more than `capacity` at once. Pure.

export interface QueuedOp {
  opId: string;
  mint: string;
  seq: number;
  /** Active = pending or submitted; everything else no longer holds its mint back. */
  active: boolean;
}

/** The oldest active op of each mint: the only one of that mint allowed to run. */
export function headsByMint(ops: readonly QueuedOp[]): QueuedOp[] {
  const heads = new Map<string, QueuedOp>();
  for (const op of ops) {
    if (!op.active) continue;
    const h = heads.get(op.mint);
    if (!h || op.seq < h.seq) heads.set(op.mint, op);
  }
  return [...heads.values()].sort((a, b) => a.seq - b.seq);
}

/** Heads of mints not already running here, oldest first, within the free capacity. */
export function pickRunnable(ops: readonly QueuedOp[], running: ReadonlySet<string>, capacity: number): QueuedOp[] {
  const free = Math.max(0, capacity - running.size);
  return headsByMint(ops)
    .filter((h) => !running.has(h.mint))
    .slice(0, free);
}

/** A mint's worker as a lease renewal sees it: the same object while it runs. */
export interface LeaseWorker {
  /** Set while the worker asks for its mint's next op, which releases the lease when there is none. */
  releasing: boolean;
}

/**
 * The mints whose lease was lost: not renewed, yet still worked on by the worker that ran when
 * the renewal began. A worker that finished meanwhile, or was releasing the lease itself, lost
 * nothing: taking those for lost warned of a lost lease after nearly every finished mint under
 * load, and aborted workers that were done anyway.
 */
export function lostLeases<W extends LeaseWorker>(atRenewal: ReadonlyMap<string, W>, renewed: ReadonlySet<string>, now: ReadonlyMap<string, W>): string[] {
  return [...atRenewal].filter(([mint, worker]) => !renewed.has(mint) && now.get(mint) === worker && !worker.releasing).map(([mint]) => mint);
}
