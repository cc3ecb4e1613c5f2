// One part of the stack taken down and brought back, as the fault campaign does it: the broker
// and Connect die (SIGKILL, no clean leave), Postgres crashes (-m immediate), the registry is
// stopped cleanly. Bringing a part back waits until it answers again.
import type { StackConfig } from './config.ts';
import { connectPart, startConnect } from './connect.ts';
import { loadOrCreateCredentials } from './credentials.ts';
import { jarPaths } from './jars.ts';
import { kafkaPart, startKafka } from './kafka.ts';
import { crashPostgres, startPostgres } from './postgres.ts';
import { isAlive, runningPid, stopTracked, type Tracked } from './proc.ts';
import { registryPart, startRegistry } from './registry.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export type OutagePart = 'kafka' | 'connect' | 'postgres' | 'registry';
export type DownVerb = 'kill' | 'stop-immediate' | 'stop';

async function killTracked(t: Tracked): Promise<'stopped' | 'not running'> {
  const pid = runningPid(t);
  if (pid === undefined) return 'not running';
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    process.kill(pid, 'SIGKILL');
  }
  while (isAlive(pid)) await sleep(50);
  return 'stopped';
}

const tracked = (cfg: StackConfig, part: OutagePart): Tracked =>
  part === 'kafka' ? kafkaPart(cfg) : part === 'connect' ? connectPart(cfg) : registryPart(cfg);

export async function takeDown(cfg: StackConfig, part: OutagePart, verb: DownVerb): Promise<'stopped' | 'not running'> {
  if (part === 'postgres') return crashPostgres(cfg);
  if (verb === 'kill') return killTracked(tracked(cfg, part));
  return stopTracked(tracked(cfg, part));
}

/** Starts the part again and resolves once it is ready (each start function waits for its readiness probe). */
export async function bringUp(cfg: StackConfig, part: OutagePart): Promise<'started' | 'already up'> {
  const creds = loadOrCreateCredentials(cfg.secretsFile);
  const jars = jarPaths(cfg);
  switch (part) {
    case 'postgres':
      return startPostgres(cfg, () => undefined);
    case 'kafka':
      return startKafka(cfg, jars);
    case 'connect':
      return startConnect(cfg, jars, creds);
    case 'registry':
      return startRegistry(cfg, jars, creds);
  }
}
