import { reuseIfRunning } from './reuse.ts';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { StackConfig } from './config.ts';
import type { JarPaths } from './jars.ts';
import { classpath, javaBin, jvmArgs } from './java.ts';
import { writeLog4jConfig } from './log4j.ts';
import { runningPid, startDetached, tailFile, tracked } from './proc.ts';
import { StackPartError, portOpen, waitUntil } from './wait.ts';

export const kafkaPart = (cfg: StackConfig) => tracked(cfg.pidDir, cfg.logDir, 'kafka');

function serverProperties(cfg: StackConfig, logDirs: string): string {
  const { kafka, kafkaController } = cfg.ports;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${kafkaController}`,
    `listeners=PLAINTEXT://127.0.0.1:${kafka},CONTROLLER://127.0.0.1:${kafkaController}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${kafka}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDirs}`,
    // One node: every internal topic has one replica.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'num.partitions=6',
    'default.replication.factor=1',
    // Tests create and join many groups; waiting 3 s for more members to join only slows them.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    'log.retention.hours=168',
    'log.cleaner.enable=true',
    '',
  ].join('\n');
}

export async function kafkaReady(cfg: StackConfig): Promise<boolean> {
  if (!(await portOpen(cfg.ports.kafka))) return false;
  const kafka = new Kafka({
    clientId: 'chainsync-stack-probe',
    brokers: [`127.0.0.1:${cfg.ports.kafka}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2000,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function startKafka(cfg: StackConfig, jars: JarPaths): Promise<'started' | 'already up'> {
  const part = kafkaPart(cfg);
  if (await reuseIfRunning(cfg, part, [cfg.ports.kafka, cfg.ports.kafkaController], () => kafkaReady(cfg))) return 'already up';
  const dataDir = join(cfg.dataDir, 'kafka');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(cfg.confDir, { recursive: true });
  const props = join(cfg.confDir, 'kafka-server.properties');
  writeFileSync(props, serverProperties(cfg, dataDir));
  const log4j = writeLog4jConfig(cfg.confDir);
  const cp = classpath(jars.kafkaLibs);
  const java = javaBin();

  if (!existsSync(join(dataDir, 'meta.properties'))) {
    const idFile = join(cfg.dataDir, 'kafka-cluster.id');
    if (!existsSync(idFile)) {
      const id = spawnSync(java, ['-cp', cp, `-Dlog4j2.configurationFile=${log4j}`, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' });
      if (id.status !== 0) throw new StackPartError('kafka', `StorageTool random-uuid failed: ${id.stderr.trim()}`);
      writeFileSync(idFile, id.stdout.trim().split('\n').pop()!.trim());
    }
    const clusterId = readFileSync(idFile, 'utf8').trim();
    const fmt = spawnSync(
      java,
      ['-cp', cp, `-Dlog4j2.configurationFile=${log4j}`, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, '--ignore-formatted'],
      { encoding: 'utf8' },
    );
    if (fmt.status !== 0) throw new StackPartError('kafka', `StorageTool format failed: ${(fmt.stderr || fmt.stdout).trim()}`);
  }

  const pid = startDetached(part, java, [
    ...jvmArgs(cfg.heaps.kafka, [`-Dlog4j2.configurationFile=${log4j}`, `-Dkafka.logs.dir=${cfg.logDir}`]),
    '-cp',
    cp,
    'kafka.Kafka',
    props,
  ]);
  await waitUntil('kafka', () => kafkaReady(cfg), {
    timeoutMs: cfg.readyTimeoutMs,
    stillRunning: () => runningPid(part) === pid,
    logTail: () => tailFile(part.logFile),
  });
  return 'started';
}
