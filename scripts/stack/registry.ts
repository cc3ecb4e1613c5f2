import { reuseIfRunning } from './reuse.ts';
import type { StackConfig } from './config.ts';
import type { StackCredentials } from './credentials.ts';
import type { JarPaths } from './jars.ts';
import { javaAtLeast, jvmArgs } from './java.ts';
import { REGISTRY_DATABASE } from './postgres.ts';
import { runningPid, startDetached, tailFile, tracked } from './proc.ts';
import { StackPartError, httpOk, waitUntil } from './wait.ts';

export const registryPart = (cfg: StackConfig) => tracked(cfg.pidDir, cfg.logDir, 'registry');
export const registryUrl = (cfg: StackConfig) => `http://127.0.0.1:${cfg.ports.registry}`;
/** The Confluent-compatible API that @kafkajs/confluent-schema-registry speaks. */
export const ccompatUrl = (cfg: StackConfig) => `${registryUrl(cfg)}/apis/ccompat/v7`;

/** Quarkus serves health on its management interface, kept on loopback next to the API port. */
const managementPort = (cfg: StackConfig) => cfg.ports.registry + 1;
export const registryReady = (cfg: StackConfig) => httpOk(`http://127.0.0.1:${managementPort(cfg)}/health/ready`);

/**
 * The client compares a subject's compatibility with the one it registers under; for a subject
 * without its own rule Apicurio answers with the global rule, so the global rule must be BACKWARD.
 */
async function setGlobalCompatibility(cfg: StackConfig): Promise<void> {
  const res = await fetch(`${ccompatUrl(cfg)}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: 'BACKWARD' }),
  });
  if (!res.ok) throw new StackPartError('registry', `setting global compatibility failed: HTTP ${res.status} ${await res.text()}`);
}

export async function startRegistry(cfg: StackConfig, jars: JarPaths, creds: StackCredentials): Promise<'started' | 'already up'> {
  const part = registryPart(cfg);
  const opts = { timeoutMs: cfg.readyTimeoutMs, logTail: () => tailFile(part.logFile) };
  let outcome: 'started' | 'already up' = 'already up';
  if (!(await reuseIfRunning(cfg, part, [cfg.ports.registry, managementPort(cfg)], () => registryReady(cfg)))) {
    // Apicurio 3.3's classes target Java 21.
    const java = javaAtLeast(21, 'registry', process.env.CHAINSYNC_REGISTRY_JAVA_HOME);
    const pid = startDetached(
      part,
      java,
      [
        ...jvmArgs(cfg.heaps.registry),
        `-Dquarkus.http.port=${cfg.ports.registry}`,
        '-Dquarkus.http.host=127.0.0.1',
        `-Dquarkus.management.port=${managementPort(cfg)}`,
        '-Dquarkus.management.host=127.0.0.1',
        // Every request is otherwise logged twice (access log and audit log), health probes included.
        '-Dquarkus.http.access-log.enabled=false',
        '-Dquarkus.log.category."io.apicurio.registry.logging.audit".level=WARN',
        '-jar',
        'quarkus-run.jar',
      ],
      {
        cwd: jars.registryHome,
        env: {
          ...process.env,
          APICURIO_STORAGE_KIND: 'sql',
          APICURIO_STORAGE_SQL_KIND: 'postgresql',
          APICURIO_DATASOURCE_URL: `jdbc:postgresql://127.0.0.1:${cfg.ports.postgres}/${REGISTRY_DATABASE}`,
          APICURIO_DATASOURCE_USERNAME: creds.registry.user,
          APICURIO_DATASOURCE_PASSWORD: creds.registry.password,
          // Tests delete their throwaway subjects.
          APICURIO_REST_DELETION_ARTIFACT_ENABLED: 'true',
          APICURIO_REST_DELETION_ARTIFACT_VERSION_ENABLED: 'true',
          APICURIO_REST_DELETION_GROUP_ENABLED: 'true',
        },
      },
    );
    outcome = 'started';
    await waitUntil('registry', () => registryReady(cfg), { ...opts, stillRunning: () => runningPid(part) === pid });
  }
  await setGlobalCompatibility(cfg);
  return outcome;
}
