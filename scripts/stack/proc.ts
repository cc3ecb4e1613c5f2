import { spawn, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A long-running process of the stack: started detached, tracked by a pid file, logging to one file. */
export interface Tracked {
  name: string;
  pidFile: string;
  logFile: string;
}

export function tracked(pidDir: string, logDir: string, name: string): Tracked {
  return { name, pidFile: join(pidDir, `${name}.pid`), logFile: join(logDir, `${name}.log`) };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM means it exists but belongs to someone else: still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readPid(t: Tracked): number | undefined {
  if (!existsSync(t.pidFile)) return undefined;
  const pid = Number(readFileSync(t.pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function runningPid(t: Tracked): number | undefined {
  const pid = readPid(t);
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

export function writePid(t: Tracked, pid: number): void {
  writeFileSync(t.pidFile, `${pid}\n`);
}

/** Starts a detached process (its own process group) whose output is appended to its log. */
export function startDetached(t: Tracked, cmd: string, args: string[], options: SpawnOptions = {}): number {
  mkdirSync(join(t.pidFile, '..'), { recursive: true });
  mkdirSync(join(t.logFile, '..'), { recursive: true });
  const fd = openSync(t.logFile, 'a');
  writeFileSync(fd, `\n--- ${new Date().toISOString()} starting ${t.name}: ${cmd} ${args.join(' ')}\n`);
  const child = spawn(cmd, args, { ...options, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${t.name}: could not spawn ${cmd}`);
  child.unref();
  writePid(t, child.pid);
  return child.pid;
}

/** SIGTERM to the process group, then SIGKILL after the grace period. Returns once it is gone. */
export async function stopTracked(t: Tracked, graceMs = 20_000): Promise<'stopped' | 'not running'> {
  const pid = runningPid(t);
  if (pid === undefined) {
    rmSync(t.pidFile, { force: true });
    return 'not running';
  }
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) {
    signalGroup(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(100);
  }
  rmSync(t.pidFile, { force: true });
  return 'stopped';
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

export function tailFile(file: string, lines = 30): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  const text = readFileSync(file, 'utf8');
  return text.split('\n').slice(-lines).join('\n');
}
