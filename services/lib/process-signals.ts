import type { Logger } from './logger.ts';
import type { Shutdown } from './shutdown.ts';

/** The slice of `process` this needs; main.ts passes the real one, so only main touches process. */
export interface ProcessPort {
  on(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): never;
}

/**
 * First SIGINT/SIGTERM: graceful shutdown, exit 0 only if it was clean and nothing crashed.
 * Second signal: exit at once (130). `fatal` records a crash, shuts down and exits 1, so an
 * orchestrator never sees exit 0 after a failure.
 */
export function handleSignals(proc: ProcessPort, shutdown: Shutdown, logger: Logger): { fatal: (err: unknown) => void } {
  let crashed = false;
  let signals = 0;
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);
  function onSignal(signal: NodeJS.Signals): void {
    if (++signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      return proc.exit(130);
    }
    void shutdown.shutdown(signal).then((clean) => proc.exit(crashed || !clean ? 1 : 0));
  }
  return {
    fatal: (err: unknown) => {
      crashed = true;
      logger.error({ err }, 'fatal error');
      void shutdown.shutdown('fatal error').then(() => proc.exit(1));
    },
  };
}
