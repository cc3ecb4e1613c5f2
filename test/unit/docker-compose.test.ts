import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERVICE_SPECS } from '../../scripts/config-doc.ts';
import { discoverServices } from '../../scripts/services.ts';
import { ROLE_GRANTS, roleUrlKey } from '../../services/lib/roles.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Compose {
  services: Record<
    string,
    { image?: string; command?: unknown; environment?: Record<string, unknown>; volumes?: string[]; secrets?: string[]; ports?: string[] }
  >;
  secrets?: Record<string, { file: string }>;
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(`${ROOT}/docker-compose.yml`, 'utf8'), { merge: true }) as Compose;

  it('names every part of the stack, from the official images', () => {
    const images = Object.fromEntries(Object.entries(compose.services).map(([name, s]) => [name, s.image ?? '']));
    expect(images.postgres).toMatch(/^postgres:/);
    expect(images.kafka).toMatch(/^apache\/kafka:/);
    expect(images.connect).toMatch(/^quay\.io\/debezium\/connect:/);
    expect(images.registry).toMatch(/^apicurio\/apicurio-registry:3/);
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['localnet', 'setup', 'pipeline']));
  });

  it('runs Postgres with logical decoding, Kafka in KRaft mode and the registry on Postgres', () => {
    expect(JSON.stringify(compose.services.postgres!.command)).toContain('wal_level=logical');
    expect(compose.services.kafka!.environment!.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(compose.services.registry!.environment!.APICURIO_STORAGE_SQL_KIND).toBe('postgresql');
  });

  it('gives Connect the environment the connector config resolves, and no literal password', () => {
    const connector = readFileSync(`${ROOT}/connect/outbox-connector.json`, 'utf8');
    const names = [...connector.matchAll(/\$\{env:([A-Z_]+)\}/g)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(compose.services.connect!.environment).toHaveProperty(name);
    const text = readFileSync(`${ROOT}/docker-compose.yml`, 'utf8');
    for (const [, value] of text.matchAll(/^\s*[A-Z_]*PASSWORD[A-Z_]*:\s*(\S+)/gm)) expect(value).toMatch(/^\$\{/);
  });

  it('gives the pipeline every setting each service requires, its keys as secrets, and a login per part', () => {
    const pipeline = compose.services.pipeline!;
    const env = pipeline.environment ?? {};
    const services = discoverServices().map((s) => s.name);
    for (const { service, spec } of SERVICE_SPECS.filter((s) => services.includes(s.service))) {
      for (const [key, setting] of Object.entries(spec)) {
        // Required: no default. (SOLANA_RPC_URL and its list default to unset and are checked together.)
        if (setting.default === undefined) expect(env, `${service} requires ${key}`).toHaveProperty(key);
      }
    }
    expect(env.SOLANA_RPC_URL ?? env.SOLANA_RPC_URLS).toBeTruthy();
    expect(env.SOLANA_WS_URL ?? env.SOLANA_WS_URLS).toBeTruthy();
    // Every service is covered by a spec: a new one must be added to SERVICE_SPECS (and so here).
    expect(SERVICE_SPECS.map((s) => s.service)).toEqual(expect.arrayContaining(services));
    // The key files are Docker secrets the submitter reads where its settings say.
    for (const key of ['AUTHORITY_KEYPAIR_PATH', 'CUSTODIAL_SEED_PATH']) {
      const secret = String(env[key]).replace('/run/secrets/', '');
      expect(pipeline.secrets, key).toContain(secret);
      expect(compose.secrets?.[secret]?.file, key).toMatch(/^\.\/secrets\//);
    }
    for (const part of Object.keys(ROLE_GRANTS)) expect(env, part).toHaveProperty(roleUrlKey(part));
    expect(env.HEALTH_HOST).toBe('0.0.0.0');
    const init = readFileSync(`${ROOT}/stack/compose/postgres-init.sh`, 'utf8');
    for (const g of Object.values(ROLE_GRANTS)) expect(init).toContain(`CREATE ROLE ${g.role} WITH LOGIN`);
  });
});
