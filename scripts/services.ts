import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './stack/config.ts';
import { signalCounter } from '../services/lib/repeated-signal.ts';
import { Supervisor } from './supervisor.ts';
import { roleUrlKey } from '../services/lib/roles.ts';

/** Services run by the supervisor; localnet is a stack part (it is the chain, not a pipeline stage). */
export function discoverServices(): ServiceEntry[] {
  const dir = join(REPO_ROOT, 'services');
  return readdirSync(dir)
    .filter((name) => name !== 'lib' && name !== 'localnet')
    .filter((name) => existsSync(join(dir, name, 'main.ts')))
    .sort()
    .map((name) => ({ name, entry: join('services', name, 'main.ts') }));
}

/**
 * The port each service serves /health and /metrics on under `npm start`, fixed so that
 * monitoring/prometheus/prometheus.yml can name them (a test keeps the two in step).
 */
export const HEALTH_PORTS: Readonly<Record<string, number>> = {
  submitter: 9401,
  'chain-ingest': 9402,
  projector: 9403,
  reconciler: 9404,
  monitor: 9405,
};

export interface ServiceEntry {
  name: string;
  /** The main file, relative to the repository root. */
  entry: string;
}

/** Runs every service until SIGINT/SIGTERM; a second signal (not the same Ctrl-C relayed) kills them at once. */
export function runServices(env: NodeJS.ProcessEnv, say: (line: string) => void, services: ServiceEntry[] = discoverServices()): Promise<number> {
  if (services.length === 0) {
    say('no services to run yet.');
    return Promise.resolve(0);
  }
  const supervisor = new Supervisor(REPO_ROOT, env, say);
  for (const s of services) {
    const port = HEALTH_PORTS[s.name];
    // Each service connects as its own role when the stack gave it one (services/lib/roles.ts).
    const roleUrl = env[roleUrlKey(s.name)];
    supervisor.add(s.name, s.entry, { ...(port ? { HEALTH_PORT: String(port) } : {}), ...(roleUrl ? { DATABASE_URL: roleUrl } : {}) });
  }
  say(`running ${services.map((s) => s.name).join(', ')} — Ctrl-C stops them`);
  for (const s of services) {
    const port = HEALTH_PORTS[s.name];
    if (port) say(`  ${s.name.padEnd(12)} metrics http://${env.HEALTH_HOST ?? '127.0.0.1'}:${port}/metrics  health …/health/ready`);
  }
  return new Promise<number>((resolve) => {
    const action = signalCounter();
    const onSignal = (signal: NodeJS.Signals) => {
      switch (action()) {
        case 'duplicate':
          return;
        case 'force':
          say('second signal: killing services now');
          supervisor.kill();
          resolve(130);
          return;
        case 'graceful':
          say(`${signal}: stopping services (again to force)`);
          void supervisor.stop().then((clean) => resolve(clean ? 0 : 1));
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // Should nothing be left to keep the process alive while it is meant to run, say so rather
    // than vanish: the user would otherwise find the pipeline stopped with no message.
    process.once('beforeExit', () => say('supervisor: nothing left running and nothing scheduled; exiting'));
    supervisor.startAll();
  });
}
