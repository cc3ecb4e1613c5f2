// Latency spikes in a pipeline of single-threaded processes come from one of them not running its
// event loop for a while. A tick that arrives late says that it happened; the CPU the process used
// meanwhile and the garbage collector's pauses say why: collecting, computing (a long synchronous
// task), or neither (waiting on synchronous I/O, or not scheduled at all on a saturated machine).
import { PerformanceObserver } from 'node:perf_hooks';
import type { Logger } from './logger.ts';

export type StallCause = 'gc' | 'busy' | 'waiting';

/**
 * Why the loop stood still for `blockedMs`, given the process's CPU time and GC pause time in
 * that stretch. GC pauses stop the loop outright, so they are taken first; the rest is busy when
 * the process used at least half of it on a CPU.
 */
export function classifyStall(s: { blockedMs: number; cpuMs: number; gcMs: number }): StallCause {
  if (s.gcMs * 2 >= s.blockedMs) return 'gc';
  const rest = s.blockedMs - s.gcMs;
  return Math.max(0, s.cpuMs - s.gcMs) * 2 >= rest ? 'busy' : 'waiting';
}

export interface StallWatchOptions {
  /** The process's CPU time in µs (process.cpuUsage), passed in so only main.ts touches process. */
  cpuUsage: () => { user: number; system: number };
  tickMs?: number;
  /** A tick this much later than due is reported. */
  thresholdMs?: number;
  now?: () => number;
}

/** Reports event-loop stalls to `logger` (warn, "event loop stalled") until the returned stop is called. */
export function watchStalls(logger: Logger, opts: StallWatchOptions): () => void {
  const tickMs = opts.tickMs ?? 100;
  const thresholdMs = opts.thresholdMs ?? 250;
  const now = opts.now ?? (() => performance.now());
  let gcMs = 0;
  let gcCount = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      gcCount++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const cpuMs = () => {
    const u = opts.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let last = now();
  let lastCpu = cpuMs();
  let lastGc = 0;
  let lastGcCount = 0;
  const timer = setInterval(() => {
    const t = now();
    const cpu = cpuMs();
    const blockedMs = t - last - tickMs;
    if (blockedMs >= thresholdMs) {
      const [gcBase, gcCountBase, cpuSpent] = [lastGc, lastGcCount, cpu - lastCpu];
      // GC entries reach the observer in a later turn of the loop than the timer that noticed the
      // stall: the report waits for them.
      setImmediate(() =>
        setImmediate(() => {
          const stretch = { blockedMs: Math.round(blockedMs), cpuMs: Math.round(cpuSpent), gcMs: Math.round(Math.min(gcMs - gcBase, blockedMs)) };
          logger.warn({ ...stretch, gcPauses: gcCount - gcCountBase, cause: classifyStall(stretch) }, 'event loop stalled');
        }),
      );
    }
    last = t;
    lastCpu = cpu;
    [lastGc, lastGcCount] = [gcMs, gcCount];
  }, tickMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    observer.disconnect();
  };
}
