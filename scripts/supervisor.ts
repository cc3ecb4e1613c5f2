import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

interface Child {
  name: string;
  entry: string;
  /** Settings of this child on top of the supervisor's environment. */
  env: NodeJS.ProcessEnv;
  process?: ChildProcess;
  restarts: number;
  startedAt: number;
  restartTimer?: NodeJS.Timeout;
}

const COLOURS = [36, 35, 33, 32, 34, 31];
const MAX_BACKOFF_MS = 30_000;

/**
 * Runs services as child processes, prefixes their output with their name, restarts one that
 * crashes (with backoff: a crash loop must not spin the CPU), and stops them all on request.
 */
export class Supervisor {
  private readonly children: Child[] = [];
  private stopping = false;

  constructor(
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly say: (line: string) => void,
  ) {}

  add(name: string, entry: string, env: NodeJS.ProcessEnv = {}): void {
    this.children.push({ name, entry, env, restarts: 0, startedAt: 0 });
  }

  /** Signals the named child's process if it runs (the fault campaign's SIGKILL, SIGSTOP, SIGCONT); false when it does not. */
  signal(name: string, signal: NodeJS.Signals): boolean {
    const p = this.children.find((c) => c.name === name)?.process;
    if (!p || p.exitCode !== null || p.signalCode !== null) return false;
    return p.kill(signal);
  }

  startAll(): void {
    for (const c of this.children) this.spawn(c);
  }

  private spawn(c: Child): void {
    const colour = COLOURS[this.children.indexOf(c) % COLOURS.length];
    const prefix = `\x1b[${colour}m${c.name.padEnd(12)}\x1b[0m|`;
    // Each service in its own process group: Ctrl-C in a terminal signals the whole foreground
    // group, and a service that got SIGINT from the terminal and SIGTERM from us would take the
    // second as "exit now" and skip its graceful shutdown. Only the supervisor signals services.
    const child = spawn(process.execPath, ['--import', 'tsx', c.entry], {
      cwd: this.cwd,
      env: { ...this.env, ...c.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    c.process = child;
    c.startedAt = Date.now();
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.say(`${prefix} ${line}`));
    }
    child.once('exit', (code, signal) => {
      c.process = undefined;
      if (this.stopping) return;
      // A child that ran for a minute before dying starts again at the shortest delay.
      if (Date.now() - c.startedAt > 60_000) c.restarts = 0;
      const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** c.restarts);
      c.restarts += 1;
      this.say(`${prefix} exited (${signal ?? `code ${code}`}); restarting in ${delay / 1000}s`);
      // Not unref'd: while every service waits on its backoff, this timer is all that keeps the
      // supervisor alive, and `npm start` must not exit silently with nothing running.
      c.restartTimer = setTimeout(() => {
        c.restartTimer = undefined;
        if (!this.stopping) this.spawn(c);
      }, delay);
    });
  }

  /** SIGTERM to every child, then SIGKILL after the grace period. Resolves true when all exited 0. */
  async stop(graceMs = 15_000): Promise<boolean> {
    this.stopping = true;
    this.cancelRestarts();
    const exits = this.children
      .filter((c) => c.process)
      .map(
        (c) =>
          new Promise<boolean>((resolve) => {
            const p = c.process!;
            const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
            p.once('exit', (code) => {
              clearTimeout(timer);
              resolve(code === 0);
            });
            p.kill('SIGTERM');
            // A stopped (SIGSTOP) child would hold its SIGTERM until the grace period ran out.
            p.kill('SIGCONT');
          }),
      );
    return (await Promise.all(exits)).every(Boolean);
  }

  kill(): void {
    this.stopping = true;
    this.cancelRestarts();
    for (const c of this.children) c.process?.kill('SIGKILL');
  }

  private cancelRestarts(): void {
    for (const c of this.children) clearTimeout(c.restartTimer);
  }
}
