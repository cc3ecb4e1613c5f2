import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Compose {
  services: Record<string, { image?: string; command?: unknown; environment?: Record<string, unknown>; volumes?: string[] }>;
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(`${ROOT}/docker-compose.yml`, 'utf8')) as Compose;

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
});
