// Test and demo support: the pipeline's services as child processes (what `npm start` runs), each
// startable and stoppable on its own, so a test can stop the projector and bring it back.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)); // repo root

export type ServiceName = 'submitter' | 'chain-ingest' | 'projector' | 'reconciler';
const RUNNING_LINE: Record<ServiceName, RegExp> = {
  submitter: /"msg":"health server listening"/,
  'chain-ingest': /"msg":"health server listening"/,
  projector: /"msg":"projector running"/,
  reconciler: /"msg":"reconciler running"/,
};

export interface Pipeline {
  start(name: ServiceName): Promise<void>;
  stop(name: ServiceName): Promise<void>;
  stopAll(): Promise<void>;
  logs(name: ServiceName): string;
}

export function pipeline(env: Record<string, string>, overrides: Partial<Record<ServiceName, Record<string, string>>> = {}): Pipeline {
  const children = new Map<ServiceName, ChildProcess>();
  const logs = new Map<ServiceName, string>();
  const start = (name: ServiceName) =>
    new Promise<void>((resolve, reject) => {
      // CHAINSYNC_SERVICE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the services of a bench run.
      const nodeArgs = (process.env.CHAINSYNC_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
      const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', `services/${name}/main.ts`], {
        cwd: ROOT,
        env: { ...process.env, ...env, PGAPPNAME: `chainsync-${name}`, HEALTH_PORT: '0', LOG_LEVEL: 'info', ...overrides[name] },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.set(name, proc);
      let out = '';
      let running = false;
      const timer = setTimeout(() => reject(new Error(`${name} did not report running within 60 s:\n${out.slice(-2000)}`)), 60_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        // Trimmed in steps and searched only until it runs: slicing and searching 200 kB at every
        // log line made this helper a tenth of a core of the end-to-end bench.
        if (out.length > 400_000) out = out.slice(-200_000);
        logs.set(name, out);
        if (!running && RUNNING_LINE[name].test(out)) {
          running = true;
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.on('exit', (code) => {
        clearTimeout(timer);
        children.delete(name);
        reject(new Error(`${name} exited (${code}) before it ran:\n${out.slice(-2000)}`));
      });
    });
  const stop = async (name: ServiceName) => {
    const proc = children.get(name);
    if (!proc) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    start,
    stop,
    stopAll: async () => void (await Promise.all([...children.keys()].map(stop))),
    logs: (name) => logs.get(name) ?? '',
  };
}

/** Polls `check` until it returns a value other than undefined, or fails with `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
