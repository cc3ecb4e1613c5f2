import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Thrown when a part of the stack does not come up; carries the part's name and the tail of its log. */
export class StackPartError extends Error {
  constructor(
    readonly part: string,
    message: string,
    readonly logTail?: string,
  ) {
    super(`${part}: ${message}`);
    this.name = 'StackPartError';
  }
}

/** Polls `probe` until it answers true, the deadline passes, or `stillRunning` says the process died. */
export async function waitUntil(
  part: string,
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; stillRunning?: () => boolean; logTail?: () => string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (opts.stillRunning && !opts.stillRunning()) {
      throw new StackPartError(part, 'process exited before it was ready', opts.logTail?.());
    }
    if (Date.now() > deadline) {
      throw new StackPartError(part, `not ready within ${Math.round(opts.timeoutMs / 1000)}s`, opts.logTail?.());
    }
    await sleep(opts.intervalMs ?? 500);
  }
}

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function httpOk(url: string, timeoutMs = 2000): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  await res.body?.cancel();
  return res.ok;
}
