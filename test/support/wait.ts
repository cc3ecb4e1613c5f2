import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs?: number;
  everyMs?: number;
}

/** What a check returns while the awaited thing has not happened yet. */
type NotYet = undefined | null | false;

/**
 * The one poll-until helper of the tests: calls `check` until it returns something other than
 * undefined, null or false, and resolves with that value. A check that throws fails the wait at
 * once (a broken query should not look like a slow one). On timeout the error names `what`.
 */
export async function waitFor<T>(what: string, check: () => T | NotYet | Promise<T | NotYet>, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const everyMs = opts.everyMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
