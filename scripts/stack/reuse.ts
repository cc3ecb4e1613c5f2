import type { StackConfig } from './config.ts';
import { runningPid, tailFile, type Tracked } from './proc.ts';
import { StackPartError, portOpen, waitUntil } from './wait.ts';

/**
 * The check every part makes before starting: if this stack already runs it, wait until it is
 * ready and say so (true); if another process holds one of its ports, refuse with a clear error;
 * otherwise it is free to start (false).
 */
export async function reuseIfRunning(cfg: StackConfig, part: Tracked, ports: number[], ready: () => Promise<boolean>): Promise<boolean> {
  if (runningPid(part) !== undefined) {
    await waitUntil(part.name, ready, { timeoutMs: cfg.readyTimeoutMs, logTail: () => tailFile(part.logFile) });
    return true;
  }
  for (const port of ports) {
    if (await portOpen(port)) throw new StackPartError(part.name, `port ${port} is taken by a process this stack did not start`);
  }
  return false;
}
