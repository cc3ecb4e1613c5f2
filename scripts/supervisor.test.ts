// `npm start`'s supervisor as a real process over fixture services: regression tests for what a
// user found by killing services at random and pressing Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../test/support/wait.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const running: ChildProcess[] = [];

function supervise(...services: string[]) {
  // Its own process group, as a terminal's foreground job is: a Ctrl-C signals the whole group.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/support/fixtures/supervise.ts', ...services], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.push(proc);
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, exited, output: () => out };
}

afterEach(() => {
  for (const p of running.splice(0)) if (p.exitCode === null && p.signalCode === null) process.kill(-p.pid!, 'SIGKILL');
});

describe('npm start supervisor', () => {
  it('does not exit while every service is down waiting on its restart backoff', { timeout: 30_000 }, async () => {
    const s = supervise('exits-at-once');
    await waitFor('a second restart to be scheduled', () => (s.output().match(/restarting in/g) ?? []).length >= 2, { timeoutMs: 20_000 });
    // Between restarts nothing runs but the supervisor's own timer: the process must still be there.
    expect(s.proc.exitCode).toBeNull();
    expect(s.proc.signalCode).toBeNull();
  });

  it('takes one Ctrl-C, delivered twice (by the terminal and relayed), as one graceful stop', { timeout: 30_000 }, async () => {
    const s = supervise('stops-slowly');
    await waitFor('the service to run', () => s.output().includes('| running'), { timeoutMs: 20_000 });
    // The terminal signals the whole foreground group; npm and tsx relay the same signal again a
    // moment later (sent at once, the kernel would merge the two into one pending signal).
    process.kill(-s.proc.pid!, 'SIGINT');
    await new Promise((r) => setTimeout(r, 50));
    s.proc.kill('SIGINT');
    expect(await s.exited, s.output()).toBe(0);
    expect(s.output()).toContain('stopped cleanly');
    expect(s.output()).not.toContain('killing services now');
  });

  it('forces the stop on a second Ctrl-C pressed later', { timeout: 30_000 }, async () => {
    const s = supervise('stops-slowly');
    await waitFor('the service to run', () => s.output().includes('| running'), { timeoutMs: 20_000 });
    s.proc.kill('SIGINT');
    await waitFor('the graceful stop to begin', () => s.output().includes('stopping services'), { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 1000));
    s.proc.kill('SIGINT');
    expect(await s.exited, s.output()).toBe(130);
    expect(s.output()).toContain('killing services now');
  });
});
