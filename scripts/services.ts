import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './stack/config.ts';
import { Supervisor } from './supervisor.ts';

/** Services run by the supervisor; localnet is a stack part (it is the chain, not a pipeline stage). */
export function discoverServices(): string[] {
  const dir = join(REPO_ROOT, 'services');
  return readdirSync(dir)
    .filter((name) => name !== 'lib' && name !== 'localnet')
    .filter((name) => existsSync(join(dir, name, 'main.ts')))
    .sort();
}

/** Runs every service until SIGINT/SIGTERM; a second signal kills them at once. */
export function runServices(env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<number> {
  const services = discoverServices();
  if (services.length === 0) {
    say('no services to run yet.');
    return Promise.resolve(0);
  }
  const supervisor = new Supervisor(REPO_ROOT, env, say);
  for (const name of services) supervisor.add(name, join('services', name, 'main.ts'));
  say(`running ${services.join(', ')} — Ctrl-C stops them`);
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        say('second signal: killing services now');
        supervisor.kill();
        resolve(130);
        return;
      }
      say(`${signal}: stopping services (again to force)`);
      void supervisor.stop().then((clean) => resolve(clean ? 0 : 1));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    supervisor.startAll();
  });
}
