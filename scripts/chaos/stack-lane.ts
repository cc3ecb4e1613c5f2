// One stack part down at a time, at run time. The schedule spaces outages by the time a part
// usually takes to come back, but a restart under load can take far longer (Connect waiting on a
// Kafka that is down itself, a registry waiting on Postgres): then the next outage waits its turn,
// and one that could no longer heal before the quiet period is not injected at all.
export class StackLane {
  private tail: Promise<void> = Promise.resolve();
  private readonly holders = new Map<number, () => void>();

  /** Waits until the outage before this one is back and recovered; false: too late to start it. */
  async enter(id: number, latestStartMs: number, now: () => number): Promise<boolean> {
    const before = this.tail;
    let release!: () => void;
    this.tail = new Promise((resolve) => (release = resolve));
    await before;
    if (now() > latestStartMs) {
      release();
      return false;
    }
    this.holders.set(id, release);
    return true;
  }

  /** The outage `id` is back and has had its recovery time: the next one may start. */
  leave(id: number): void {
    this.holders.get(id)?.();
    this.holders.delete(id);
  }
}
