import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from './config.ts';
import { StackPartError } from './wait.ts';
import { tailFile } from './proc.ts';

export interface JarPaths {
  kafkaLibs: string;
  connectPlugins: string;
  registryHome: string;
}

export function jarPaths(cfg: StackConfig): JarPaths {
  return {
    kafkaLibs: join(cfg.jarsDir, 'kafka-libs'),
    connectPlugins: join(cfg.jarsDir, 'connect-plugins'),
    registryHome: join(cfg.jarsDir, 'apicurio'),
  };
}

/**
 * Resolves the Kafka, Debezium and Apicurio artifacts with Maven unless a complete copy for this
 * pom is already cached. The marker is written last, so an interrupted download is redone.
 */
export async function ensureJars(cfg: StackConfig, say: (line: string) => void): Promise<JarPaths> {
  const marker = join(cfg.jarsDir, '.complete');
  const paths = jarPaths(cfg);
  const complete = () =>
    existsSync(join(paths.registryHome, 'quarkus-run.jar')) &&
    existsSync(join(paths.connectPlugins, 'debezium-connector-postgres')) &&
    existsSync(paths.kafkaLibs);
  if (existsSync(marker) && complete()) return paths;
  mkdirSync(cfg.jarsDir, { recursive: true });
  mkdirSync(cfg.logDir, { recursive: true });
  const log = join(cfg.logDir, 'maven.log');
  say(`resolving Kafka, Debezium and Apicurio jars with Maven into ${cfg.jarsDir} (first run downloads about 250 MB; log: ${log})`);
  const fd = openSync(log, 'a');
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('mvn', ['-B', '-f', cfg.pom, `-Dstack.home=${cfg.jarsDir}`, 'dependency:copy-dependencies@kafka', 'dependency:unpack@plugins'], {
      stdio: ['ignore', fd, fd],
    });
    child.once('error', (err) => reject(new StackPartError('maven', `could not run mvn (${err.message}); install Java 17 and Maven, or use docker-compose`)));
    child.once('exit', (c) => resolve(c ?? 1));
  });
  closeSync(fd);
  if (code !== 0) throw new StackPartError('maven', `dependency resolution failed (exit ${code})`, tailFile(log));
  if (!complete()) throw new StackPartError('maven', `resolution finished but ${cfg.jarsDir} is incomplete`, tailFile(log));
  writeFileSync(marker, new Date().toISOString());
  return paths;
}
