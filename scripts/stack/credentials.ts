import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface RoleCredentials {
  user: string;
  password: string;
}

/** Generated once per stack and kept under the stack's ignored folder (mode 600): no password is ever a literal in the repo. */
export interface StackCredentials {
  superuser: RoleCredentials;
  /** Owner of the chainsync database; what the services and migrations connect as. */
  app: RoleCredentials;
  /** LOGIN REPLICATION, SELECT on the outbox only. */
  debezium: RoleCredentials;
  /** Owner of the registry's own database. */
  registry: RoleCredentials;
}

const secret = () => randomBytes(18).toString('base64url');

export function loadOrCreateCredentials(file: string): StackCredentials {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StackCredentials;
  const creds: StackCredentials = {
    superuser: { user: 'postgres', password: secret() },
    app: { user: 'chainsync_app', password: secret() },
    debezium: { user: 'chainsync_debezium', password: secret() },
    registry: { user: 'chainsync_registry', password: secret() },
  };
  // Only the secrets folder is private: a recursive mkdir would give its new parents mode 700 too.
  mkdirSync(dirname(dirname(file)), { recursive: true });
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return creds;
}

export function readCredentials(file: string): StackCredentials | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StackCredentials) : undefined;
}
