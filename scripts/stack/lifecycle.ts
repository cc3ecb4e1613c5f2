import type { StackConfig } from './config.ts';
import { startConnect } from './connect.ts';
import { loadOrCreateCredentials } from './credentials.ts';
import { writeStackEnvFile } from './env.ts';
import { ensureJars } from './jars.ts';
import { startKafka } from './kafka.ts';
import { localnetAvailable, startLocalnet } from './localnet.ts';
import { startPostgres, stopPostgres } from './postgres.ts';
import { stopTracked } from './proc.ts';
import { startRegistry } from './registry.ts';
import { stackParts, type PartView } from './parts.ts';
import { portOpen } from './wait.ts';

export type Say = (line: string) => void;

async function timed<T>(say: Say, name: string, run: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const outcome = await run();
  say(`✓ ${name} ${String(outcome)} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  return outcome;
}

/** Brings every part up, reusing what already runs. Parts that do not depend on each other start together. */
export async function stackUp(cfg: StackConfig, say: Say): Promise<{ seconds: number; started: string[] }> {
  const t0 = Date.now();
  const started: string[] = [];
  const note = (name: string) => (o: string) => {
    if (o === 'started') started.push(name);
    return o;
  };
  const creds = loadOrCreateCredentials(cfg.secretsFile);
  const [jars] = await Promise.all([ensureJars(cfg, say), timed(say, 'postgres', () => startPostgres(cfg, say).then(note('postgres')))]);
  await Promise.all([
    timed(say, 'kafka', () => startKafka(cfg, jars).then(note('kafka'))).then(() =>
      timed(say, 'connect', () => startConnect(cfg, jars, creds).then(note('connect'))),
    ),
    timed(say, 'registry', () => startRegistry(cfg, jars, creds).then(note('registry'))),
    localnetAvailable() ? timed(say, 'localnet', () => startLocalnet(cfg).then(note('localnet'))) : Promise.resolve(),
  ]);
  writeStackEnvFile(cfg);
  return { seconds: (Date.now() - t0) / 1000, started };
}

/** Stops every part this checkout's stack started, dependants first, and checks their ports are closed. */
export async function stackDown(cfg: StackConfig, say: Say, only?: string[]): Promise<string[]> {
  const parts = stackParts(cfg).filter((p) => !only || only.includes(p.name));
  const order = ['localnet', 'connect', 'registry', 'kafka', 'postgres'];
  const stillListening: string[] = [];
  for (const name of order) {
    const part = parts.find((p) => p.name === name);
    if (!part) continue;
    const outcome = name === 'postgres' ? await stopPostgres(cfg) : await stopTracked(part.tracked);
    say(`${outcome === 'stopped' ? '■' : '·'} ${name} ${outcome}`);
    for (const port of part.ports) if (await portOpen(port)) stillListening.push(`${name}:${port}`);
  }
  return stillListening;
}

export interface PartStatus {
  name: string;
  state: 'up' | 'down' | 'unhealthy';
  pid?: number;
  address: string;
}

export async function stackStatus(cfg: StackConfig): Promise<PartStatus[]> {
  return Promise.all(
    stackParts(cfg).map(async (p: PartView): Promise<PartStatus> => {
      const pid = p.pid();
      const ready = await p.ready().catch(() => false);
      const state = ready ? 'up' : pid === undefined ? 'down' : 'unhealthy';
      return { name: p.name, state, address: p.address, ...(pid !== undefined ? { pid } : {}) };
    }),
  );
}
