import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { roleUrlKey } from '../../services/lib/roles.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface StackEnv {
  DATABASE_URL: string;
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
  KAFKA_CONNECT_URL: string;
  SOLANA_RPC_URL: string;
  SOLANA_WS_URL: string;
  AUTHORITY_KEYPAIR_PATH: string;
  CUSTODIAL_SEED_PATH: string;
}

const KEYS: Array<keyof StackEnv> = [
  'DATABASE_URL',
  'KAFKA_BROKERS',
  'SCHEMA_REGISTRY_URL',
  'KAFKA_CONNECT_URL',
  'SOLANA_RPC_URL',
  'SOLANA_WS_URL',
  'AUTHORITY_KEYPAIR_PATH',
  'CUSTODIAL_SEED_PATH',
];

/**
 * The running stack's addresses: from the environment (npm test sets them), else from the
 * stack.env that `npm run stack:up` writes, so a single file can be run with plain vitest.
 */
export function stackEnv(): StackEnv {
  const fromFile = stackEnvFile();
  const env = {} as StackEnv;
  for (const key of KEYS) {
    const value = process.env[key] ?? fromFile[key];
    if (!value) throw new Error(`${key} is not set: run the integration tests through "npm test", or start the stack with "npm run stack:up"`);
    env[key] = value;
  }
  return env;
}

/** The connection string of a part's own login (services/lib/roles.ts), which the stack creates. */
export function roleDatabaseUrl(part: string): string {
  const key = roleUrlKey(part);
  const url = process.env[key] ?? stackEnvFile()[key];
  if (!url) throw new Error(`${key} is not set: the stack creates a login per part (npm run stack:up)`);
  return url;
}

function stackEnvFile(): Record<string, string> {
  const fromFile: Record<string, string> = {};
  const file = join(process.env.CHAINSYNC_STACK_HOME ?? join(ROOT, '.stack'), 'stack.env');
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const i = line.indexOf('=');
      if (i > 0) fromFile[line.slice(0, i)] = line.slice(i + 1);
    }
  }
  return fromFile;
}
