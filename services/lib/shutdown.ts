import type { Logger } from './logger.ts';

type Step = { name: string; run: () => Promise<void> | void };

/**
 * Shutdown as a value: an AbortSignal that long-running loops watch, and cleanup steps run in
 * reverse order of registration (last started, first stopped), each bounded by the grace period.
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
    this.logger.info({ reason }, 'shutting down');
    this.controller.abort(new Error(`shutdown: ${reason}`));
    let clean = true;
    for (const step of [...this.steps].reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.graceMs);
      });
      try {
        const outcome = await Promise.race([Promise.resolve().then(step.run), timeout]);
        if (outcome === 'timeout') {
          clean = false;
          this.logger.error({ step: step.name, graceMs: this.graceMs }, 'shutdown step timed out');
        }
      } catch (err) {
        clean = false;
        this.logger.error({ err, step: step.name }, 'shutdown step failed');
      } finally {
        clearTimeout(timer);
      }
    }
    return clean;
  }
}
