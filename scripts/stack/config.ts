import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface StackPorts {
  postgres: number;
  kafka: number;
  kafkaController: number;
  connect: number;
  registry: number;
  localnet: number;
}

export interface StackConfig {
  /** Data, logs, pids and generated secrets of this checkout's stack (git-ignored). */
  home: string;
  dataDir: string;
  logDir: string;
  pidDir: string;
  confDir: string;
  secretsFile: string;
  /** Jars resolved by Maven, shared by every checkout with the same pom (keyed by its hash). */
  jarsDir: string;
  pom: string;
  ports: StackPorts;
  /** Heaps sized so the three JVMs, Postgres and the services fit two cores and 24 GiB with room to spare. */
  heaps: { kafka: string; connect: string; registry: string };
  readyTimeoutMs: number;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(`${name} must be a TCP port (1-65535), got "${raw}"`);
  }
  return n;
}

export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const home = resolve(env.CHAINSYNC_STACK_HOME ?? join(REPO_ROOT, '.stack'));
  const pom = join(REPO_ROOT, 'stack', 'pom.xml');
  const pomHash = createHash('sha256').update(readFileSync(pom)).digest('hex').slice(0, 12);
  const cacheRoot = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return {
    home,
    dataDir: join(home, 'data'),
    logDir: join(home, 'logs'),
    pidDir: join(home, 'pids'),
    confDir: join(home, 'conf'),
    secretsFile: join(home, 'secrets', 'credentials.json'),
    jarsDir: resolve(env.CHAINSYNC_JARS_DIR ?? join(cacheRoot, 'chainsync', `jars-${pomHash}`)),
    pom,
    ports: {
      postgres: port(env, 'CHAINSYNC_PG_PORT', 55432),
      kafka: port(env, 'CHAINSYNC_KAFKA_PORT', 19092),
      kafkaController: port(env, 'CHAINSYNC_KAFKA_CONTROLLER_PORT', 19093),
      connect: port(env, 'CHAINSYNC_CONNECT_PORT', 18083),
      registry: port(env, 'CHAINSYNC_REGISTRY_PORT', 18081),
      localnet: port(env, 'CHAINSYNC_LOCALNET_PORT', 18899),
    },
    heaps: { kafka: '1g', connect: '1g', registry: '512m' },
    readyTimeoutMs: Number(env.CHAINSYNC_READY_TIMEOUT_MS ?? 120_000),
  };
}
