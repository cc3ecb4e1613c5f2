import type { Logger } from './logger.ts';

type Step = { name: string; run: () => Promise<void> | void };

/**
 * Shutdown as a value: an AbortSignal that long-running loops watch, and cleanup steps run in
 * reverse order of registration (last started, first stopped). The whole shutdown, not each
 * step, is bounded by the grace period: a supervisor waits that long, so a step that hangs uses
 * up the time of the steps after it, which are then skipped (the process is about to end).
 */
export class Shutdown {
  private readonly controller = new AbortController();
  private readonly steps: Step[] = [];
  private running: Promise<boolean> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly graceMs = 15_000,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get requested(): boolean {
    return this.controller.signal.aborted;
  }

  onShutdown(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }

  /** Resolves true when every step finished cleanly within the grace period. */
  shutdown(reason: string): Promise<boolean> {
    this.running ??= this.run(reason);
    return this.running;
  }

  private async run(reason: string): Promise<boolean> {
    this.logger.info({ reason, graceMs: this.graceMs }, 'shutting down');
    this.controller.abort(new Error(`shutdown: ${reason}`));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.graceMs);
    });
    let clean = true;
    let over = false;
    try {
      for (const step of [...this.steps].reverse()) {
        if (over) {
          this.logger.error({ step: step.name }, 'shutdown step skipped: the grace period is over');
          continue;
        }
        try {
          const outcome = await Promise.race([Promise.resolve().then(step.run), graceOver]);
          if (outcome === 'timeout') {
            clean = false;
            over = true;
            this.logger.error({ step: step.name, graceMs: this.graceMs }, 'shutdown step timed out');
          }
        } catch (err) {
          clean = false;
          this.logger.error({ err, step: step.name }, 'shutdown step failed');
        }
      }
    } finally {
      clearTimeout(timer);
    }
    return clean;
  }
}
