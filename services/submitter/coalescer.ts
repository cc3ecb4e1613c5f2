// Turns calls that arrive together into one unit of work. kafkajs hands a fetch's partitions to
// eachBatch one call per partition; taken in one by one, each paid its own transaction and offset
// commit, and under load a fetch's batches queued behind each other's round trips. Taken in side
// by side, they were as many transactions competing for the same two cores. Coalesced, a fetch is
// one transaction and one offset commit, whatever number of partitions it carries.

/**
 * Items added while no flush runs are flushed together on the next turn of the event loop; items
 * added during a flush wait for it and go in the next one. One flush at a time, items in the order
 * they were added, and each add settles with its own item's result (or the flush's error).
 */
export class Coalescer<T, R> {
  private queue: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  private running: Promise<void> | undefined;

  constructor(private readonly flush: (items: T[]) => Promise<R[]>) {}

  add(item: T): Promise<R> {
    const settled = new Promise<R>((resolve, reject) => this.queue.push({ item, resolve, reject }));
    this.running ??= this.drain();
    return settled;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Let the other partitions' calls of the same fetch arrive first.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const taken = this.queue;
        this.queue = [];
        try {
          const results = await this.flush(taken.map((t) => t.item));
          if (results.length !== taken.length) throw new Error(`coalesced flush returned ${results.length} results for ${taken.length} items`);
          taken.forEach((t, i) => t.resolve(results[i]!));
        } catch (err) {
          for (const t of taken) t.reject(err);
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
