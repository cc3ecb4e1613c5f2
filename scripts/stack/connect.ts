import { reuseIfRunning } from './reuse.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from './config.ts';
import type { StackCredentials } from './credentials.ts';
import type { JarPaths } from './jars.ts';
import { classpath, javaBin, jvmArgs } from './java.ts';
import { writeLog4jConfig } from './log4j.ts';
import { DATABASE } from './postgres.ts';
import { runningPid, startDetached, tailFile, tracked } from './proc.ts';
import { waitUntil } from './wait.ts';

export const connectPart = (cfg: StackConfig) => tracked(cfg.pidDir, cfg.logDir, 'connect');
export const connectUrl = (cfg: StackConfig) => `http://127.0.0.1:${cfg.ports.connect}`;

const POSTGRES_CONNECTOR = 'io.debezium.connector.postgresql.PostgresConnector';

function workerProperties(cfg: StackConfig, jars: JarPaths): string {
  return [
    `bootstrap.servers=127.0.0.1:${cfg.ports.kafka}`,
    'group.id=chainsync-connect',
    'key.converter=org.apache.kafka.connect.json.JsonConverter',
    'value.converter=org.apache.kafka.connect.json.JsonConverter',
    'config.storage.topic=chainsync-connect-configs',
    'offset.storage.topic=chainsync-connect-offsets',
    'status.storage.topic=chainsync-connect-status',
    'config.storage.replication.factor=1',
    'offset.storage.replication.factor=1',
    'status.storage.replication.factor=1',
    // A short flush interval bounds how much Debezium redelivers after a crash.
    'offset.flush.interval.ms=1000',
    `plugin.path=${jars.connectPlugins}`,
    `listeners=http://127.0.0.1:${cfg.ports.connect}`,
    'rest.advertised.host.name=127.0.0.1',
    `rest.advertised.port=${cfg.ports.connect}`,
    // Connector configs name secrets as ${env:...}; the values live only in this process's environment.
    'config.providers=env',
    'config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider',
    '',
  ].join('\n');
}

/** The environment the connector config in connect/ resolves through ${env:...}. */
export function connectorEnv(cfg: StackConfig, creds: StackCredentials): Record<string, string> {
  return {
    CHAINSYNC_PG_HOST: '127.0.0.1',
    CHAINSYNC_PG_PORT: String(cfg.ports.postgres),
    CHAINSYNC_PG_DATABASE: DATABASE,
    CHAINSYNC_DEBEZIUM_USER: creds.debezium.user,
    CHAINSYNC_DEBEZIUM_PASSWORD: creds.debezium.password,
  };
}

export async function connectReady(cfg: StackConfig): Promise<boolean> {
  const res = await fetch(`${connectUrl(cfg)}/connector-plugins`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) return false;
  const plugins = (await res.json()) as Array<{ class: string }>;
  return plugins.some((p) => p.class === POSTGRES_CONNECTOR);
}

export async function startConnect(cfg: StackConfig, jars: JarPaths, creds: StackCredentials): Promise<'started' | 'already up'> {
  const part = connectPart(cfg);
  const opts = { timeoutMs: cfg.readyTimeoutMs, logTail: () => tailFile(part.logFile) };
  if (await reuseIfRunning(cfg, part, [cfg.ports.connect], () => connectReady(cfg))) return 'already up';
  mkdirSync(cfg.confDir, { recursive: true });
  const props = join(cfg.confDir, 'connect-distributed.properties');
  writeFileSync(props, workerProperties(cfg, jars));
  const log4j = writeLog4jConfig(cfg.confDir);
  const pid = startDetached(
    part,
    javaBin(),
    [
      ...jvmArgs(cfg.heaps.connect, [`-Dlog4j2.configurationFile=${log4j}`]),
      '-cp',
      classpath(jars.kafkaLibs),
      'org.apache.kafka.connect.cli.ConnectDistributed',
      props,
    ],
    { env: { ...process.env, ...connectorEnv(cfg, creds) } },
  );
  await waitUntil('connect', () => connectReady(cfg), { ...opts, stillRunning: () => runningPid(part) === pid });
  return 'started';
}
