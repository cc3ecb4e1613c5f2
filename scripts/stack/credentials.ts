import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ROLE_GRANTS } from '../../services/lib/roles.ts';

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
  /** One login per part (services/lib/roles.ts), with only that part's grants. */
  services?: Record<string, RoleCredentials>;
}

const secret = () => randomBytes(18).toString('base64url');

/** Adds a login for each part the credentials lack (stacks created before the part had one). */
function withServiceLogins(creds: StackCredentials): { creds: StackCredentials; added: boolean } {
  const services = { ...(creds.services ?? {}) };
  let added = false;
  for (const g of Object.values(ROLE_GRANTS)) {
    if (services[g.role]) continue;
    services[g.role] = { user: g.role, password: secret() };
    added = true;
  }
  return { creds: { ...creds, services }, added };
}

function save(file: string, creds: StackCredentials): void {
  writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function loadOrCreateCredentials(file: string): StackCredentials {
  if (existsSync(file)) {
    const { creds, added } = withServiceLogins(JSON.parse(readFileSync(file, 'utf8')) as StackCredentials);
    if (added) save(file, creds);
    return creds;
  }
  const { creds } = withServiceLogins({
    superuser: { user: 'postgres', password: secret() },
    app: { user: 'chainsync_app', password: secret() },
    debezium: { user: 'chainsync_debezium', password: secret() },
    registry: { user: 'chainsync_registry', password: secret() },
  });
  // Only the secrets folder is private: a recursive mkdir would give its new parents mode 700 too.
  mkdirSync(dirname(dirname(file)), { recursive: true });
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  save(file, creds);
  return creds;
}

export function readCredentials(file: string): StackCredentials | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StackCredentials) : undefined;
}
