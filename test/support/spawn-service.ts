// A service's main.ts as a child process, judged started by its health endpoint rather than by
// its log text: what `npm start` runs, and what an orchestrator would probe.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';
import { samplesOf } from './metrics-text.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type ServiceName = 'submitter' | 'chain-ingest' | 'projector' | 'reconciler' | 'monitor';

export interface SpawnOptions {
  /** What to wait for: `ready` (every readiness check passes), `live` (the process answers), or nothing. */
  until?: 'ready' | 'live' | 'spawned';
  timeoutMs?: number;
  /** Extra arguments after main.ts (e.g. the projector's `rebuild`). */
  args?: string[];
  /** Node options such as --cpu-prof, for benches. */
  nodeArgs?: string[];
  /** A folder to append the process's whole output to, as `<name>.log` (a bench's evidence). */
  logDir?: string;
  /** Serve /health and /metrics on this port (the fixed ports of `npm start`) instead of a free one. */
  healthPort?: number;
}

/** What /health/ready answers: each check's verdict and the detail it chose to show. */
export interface HealthReport {
  ok?: boolean;
  // Each check shows its own detail (a role, partitions, lag): JSON whose shape the test knows.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  checks?: Record<string, { ok: boolean; detail?: Record<string, any> }>;
}

export interface ServiceProcess {
  name: ServiceName;
  proc: ChildProcess;
  healthPort: number;
  /** The exit code (null when ended by a signal); resolves once the process has gone. */
  exited: Promise<number | null>;
  /** What the process wrote to stdout and stderr, the last few hundred kB. */
  logs(): string;
  ready(): Promise<{ ok: boolean; body: HealthReport }>;
  /** The sum of every series of a Prometheus metric. */
  metric(name: string): Promise<number>;
  /** Signals the process and waits for it to exit; SIGKILL after `killAfterMs`. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<number | null>;
}

const KEEP_CHARS = 400_000;

export async function spawnService(name: ServiceName, env: Record<string, string>, opts: SpawnOptions = {}): Promise<ServiceProcess> {
  const healthPort = opts.healthPort ?? (await freePort());
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', `services/${name}/main.ts`, ...(opts.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, PGAPPNAME: `chainsync-${name}`, LOG_LEVEL: 'info', ...env, HEALTH_PORT: String(healthPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    // Trimmed in steps: slicing at every line made a long-running helper cost a tenth of a core.
    if (out.length > KEEP_CHARS) out = out.slice(-KEEP_CHARS / 2);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  if (opts.logDir) {
    mkdirSync(opts.logDir, { recursive: true });
    const file = createWriteStream(join(opts.logDir, `${name}.log`), { flags: 'a' });
    proc.stdout.pipe(file, { end: false });
    proc.stderr.pipe(file, { end: false });
  }
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const base = `http://127.0.0.1:${healthPort}`;

  const probe = async (path: string) => {
    try {
      const res = await fetch(`${base}${path}`);
      return { ok: res.ok, body: (await res.json()) as HealthReport };
    } catch {
      return { ok: false, body: {} };
    }
  };

  const service: ServiceProcess = {
    name,
    proc,
    healthPort,
    exited,
    logs: () => out,
    ready: () => probe('/health/ready'),
    async metric(metric) {
      const text = await (await fetch(`${base}/metrics`)).text();
      return samplesOf(text, metric).reduce((sum, s) => sum + s.value, 0);
    },
    async stop(signal = 'SIGTERM', killAfterMs = 20_000) {
      if (gone) return proc.exitCode;
      proc.kill(signal);
      // A process that ignores the signal must not outlive the test (it may hold a lock or a group).
      const timer = setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };

  const until = opts.until ?? 'ready';
  if (until === 'spawned') return service;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const path = until === 'ready' ? '/health/ready' : '/health/live';
  for (;;) {
    if (gone) throw new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}) before it was ${until}:\n${out.slice(-2000)}`);
    if ((await probe(path)).ok) return service;
    if (Date.now() >= deadline) {
      await service.stop('SIGKILL');
      throw new Error(`${name} was not ${until} within ${timeoutMs} ms:\n${out.slice(-2000)}`);
    }
    await sleep(200);
  }
}
