// The pipeline the campaign attacks: K instances of each service under the supervisor `npm start`
// uses (a killed instance is restarted with its backoff), each on its own health port so the
// campaign can tell when every one is ready. Their logs go to one file, not the terminal.
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../stack/config.ts';
import { discoverServices } from '../services.ts';
import { Supervisor } from '../supervisor.ts';
import { SERVICES, type Service } from './fault-kinds.ts';

export interface Fleet {
  signal(service: Service, instance: number, signal: NodeJS.Signals): boolean;
  /** Resolves once every instance answers /health/ready, or rejects naming those that do not. */
  ready(timeoutMs: number): Promise<void>;
  stop(): Promise<boolean>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const nameOf = (service: Service, instance: number) => `${service}#${instance}`;

export async function startFleet(env: NodeJS.ProcessEnv, instances: number, logFile: string): Promise<Fleet> {
  mkdirSync(dirname(logFile), { recursive: true });
  // ANSI colours are for a terminal; the file gets plain lines.
  const say = (line: string) => appendFileSync(logFile, `${stripVTControlCharacters(line)}\n`);
  const supervisor = new Supervisor(REPO_ROOT, env, say);
  const entries = discoverServices();
  const ports = new Map<string, number>();
  for (const service of SERVICES) {
    const entry = entries.find((e) => e.name === service);
    if (!entry) throw new Error(`no services/${service}/main.ts`);
    for (let i = 0; i < instances; i++) {
      const port = await freePort();
      ports.set(nameOf(service, i), port);
      supervisor.add(nameOf(service, i), entry.entry, { HEALTH_PORT: String(port) });
    }
  }
  supervisor.startAll();
  const answers = async (port: number, path: string) => (await fetch(`http://127.0.0.1:${port}${path}`).catch(() => null))?.ok ?? false;
  // chain-ingest elects one leader; its standbys are alive but, by design, not ready.
  const notReady = async (): Promise<string[]> => {
    const states = await Promise.all(
      [...ports].map(async ([name, port]) => ({ name, ready: await answers(port, '/health/ready'), live: await answers(port, '/health/live') })),
    );
    const leaderReady = states.some((s) => s.name.startsWith('chain-ingest#') && s.ready);
    return states.filter((s) => !(s.ready || (s.name.startsWith('chain-ingest#') && leaderReady && s.live))).map((s) => s.name);
  };
  return {
    signal: (service, instance, signal) => supervisor.signal(nameOf(service, instance), signal),
    async ready(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const waiting = await notReady();
        if (waiting.length === 0) return;
        if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs / 1000} s: ${waiting.join(', ')} (logs: ${logFile})`);
        await sleep(500);
      }
    },
    stop: () => supervisor.stop(),
  };
}
