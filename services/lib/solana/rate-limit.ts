import { systemClock, type Clock } from '../clock.ts';

/**
 * A token bucket shared by every call to a provider: `perSecond` sustained, bursts up to
 * `burst`. take() waits for a token rather than failing, so a burst of work slows down instead
 * of collecting 429s.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst = perSecond,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new RangeError('rate limit must be > 0 per second with a burst of at least 1');
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Takes a token if one is there; otherwise returns how long to wait for one (ms). */
  tryTake(): number {
    const t = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }

  async take(signal?: AbortSignal): Promise<void> {
    for (let wait = this.tryTake(); wait > 0; wait = this.tryTake()) {
      await this.clock.sleep(wait, signal);
    }
  }
}
