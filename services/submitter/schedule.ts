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
