// The in-memory side of the stream join: per-mint state by partition, which mints changed, and
// which partitions have caught up with the topics (no evaluation before that: a replay from
// offset zero passes through old owners that would look like mismatches).
import { isInFlight } from './classify.ts';
import { applyOwnership, applyStatus, emptyMintState, type MintState, type OwnershipEvent, type StatusEvent } from './join.ts';

export type JoinTopic = 'status' | 'ownership';

export class StreamState {
  private readonly mints = new Map<string, { partition: number; state: MintState }>();
  private readonly dirty = new Set<string>();
  /** `${topic}/${partition}` not yet read up to its high watermark since the last assignment. */
  private readonly pending = new Set<string>();
  private assigned = new Set<number>();

  /** A new assignment: state of partitions no longer ours is dropped; each must catch up again. */
  assign(partitions: number[]): void {
    this.assigned = new Set(partitions);
    for (const [mint, m] of this.mints) if (!this.assigned.has(m.partition)) this.mints.delete(mint);
    this.pending.clear();
    for (const p of partitions) for (const t of ['status', 'ownership'] as const) this.pending.add(`${t}/${p}`);
  }

  /** An empty topic partition has nothing to catch up with. */
  empty(topic: JoinTopic, partition: number): void {
    this.pending.delete(`${topic}/${partition}`);
  }

  /** After the record at `offset`: caught up once it reaches the high watermark the fetch reported. */
  position(topic: JoinTopic, partition: number, offset: bigint, highWatermark: bigint): void {
    if (offset + 1n >= highWatermark) this.pending.delete(`${topic}/${partition}`);
  }

  caughtUp(partition: number): boolean {
    return this.assigned.has(partition) && !this.pending.has(`status/${partition}`) && !this.pending.has(`ownership/${partition}`);
  }

  get allCaughtUp(): boolean {
    return this.pending.size === 0;
  }

  private entry(mint: string, partition: number) {
    let m = this.mints.get(mint);
    if (!m) {
      m = { partition, state: emptyMintState() };
      this.mints.set(mint, m);
    }
    return m;
  }

  status(partition: number, e: StatusEvent): void {
    const m = this.entry(e.mint, partition);
    m.state = applyStatus(m.state, e);
    this.dirty.add(e.mint);
  }

  ownership(partition: number, e: OwnershipEvent): void {
    const m = this.entry(e.mint, partition);
    m.state = applyOwnership(m.state, e);
    this.dirty.add(e.mint);
  }

  /** Evaluated again on the next pass, as if they had changed. */
  again(mints: Iterable<string>): void {
    for (const mint of mints) if (this.mints.has(mint)) this.dirty.add(mint);
  }

  get(mint: string): MintState | undefined {
    return this.mints.get(mint)?.state;
  }

  get size(): number {
    return this.mints.size;
  }

  /**
   * The mints to evaluate now, on caught-up partitions: those that changed, those with an
   * operation in flight (it may become stuck), and those still within `recentMs` of a chain
   * change (a mismatch may appear once the grace period ends). Taken mints are no longer dirty.
   */
  take(now: number, recentMs: number, max: number): string[] {
    const out: string[] = [];
    for (const [mint, m] of this.mints) {
      if (out.length >= max) break;
      if (!this.caughtUp(m.partition)) continue;
      const s = m.state;
      const watched = [...s.ops.values()].some(isInFlight) || (s.chain !== null && now - s.chain.observedAt < recentMs);
      if (this.dirty.has(mint) || watched) out.push(mint);
    }
    for (const mint of out) this.dirty.delete(mint);
    return out;
  }
}
