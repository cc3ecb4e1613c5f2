import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from './config.ts';
import { readCredentials } from './credentials.ts';
import { connectUrl } from './connect.ts';
import { localnetRpcUrl, localnetWsUrl } from './localnet.ts';
import { DATABASE } from './postgres.ts';
import { ccompatUrl } from './registry.ts';
import { ensureStackKeys } from './keys.ts';
import { ROLE_GRANTS, roleUrlKey } from '../../services/lib/roles.ts';

/** What services and tests need to reach this stack, as environment variables. */
export function stackEnv(cfg: StackConfig): Record<string, string> {
  const creds = readCredentials(cfg.secretsFile);
  if (!creds) throw new Error(`the stack has no credentials yet (${cfg.secretsFile}): run npm run stack:up`);
  const db = (u: { user: string; password: string }) => `postgres://${u.user}:${encodeURIComponent(u.password)}@127.0.0.1:${cfg.ports.postgres}/${DATABASE}`;
  const keys = ensureStackKeys(cfg);
  // Each part's own login (least privilege); DATABASE_URL stays the owner's, for migrations.
  const roleUrls = Object.fromEntries(
    Object.entries(ROLE_GRANTS).flatMap(([part, g]) => {
      const login = creds.services?.[g.role];
      return login ? [[roleUrlKey(part), db(login)]] : [];
    }),
  );
  return {
    DATABASE_URL: db(creds.app),
    ...roleUrls,
    KAFKA_BROKERS: `127.0.0.1:${cfg.ports.kafka}`,
    SCHEMA_REGISTRY_URL: ccompatUrl(cfg),
    KAFKA_CONNECT_URL: connectUrl(cfg),
    SOLANA_RPC_URL: localnetRpcUrl(cfg),
    SOLANA_WS_URL: localnetWsUrl(cfg),
    AUTHORITY_KEYPAIR_PATH: keys.authorityKeypairPath,
    CUSTODIAL_SEED_PATH: keys.custodialSeedPath,
    CHAINSYNC_STACK_HOME: cfg.home,
  };
}

/** Written next to the stack's data so a shell can `set -a; . .stack/stack.env` and talk to it. */
export function writeStackEnvFile(cfg: StackConfig): string {
  const file = join(cfg.home, 'stack.env');
  const lines = Object.entries(stackEnv(cfg)).map(([k, v]) => `${k}=${v}`);
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return file;
}
