import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { StackConfig } from './config.ts';
import { loadOrCreateCredentials, type StackCredentials } from './credentials.ts';
import { isAlive, tailFile, tracked, writePid, type Tracked } from './proc.ts';
import { StackPartError, portOpen } from './wait.ts';

export const DATABASE = 'chainsync';
export const REGISTRY_DATABASE = 'chainsync_registry';

/** Postgres refuses to run as root, so when we are root the cluster belongs to the machine's postgres user. */
interface RunAs {
  uid?: number;
  gid?: number;
  prefix: string[];
}

function runAs(): RunAs {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) throw new StackPartError('postgres', 'running as root but there is no "postgres" user to own the cluster');
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()), prefix: ['runuser', '-u', 'postgres', '--'] };
}

export function pgBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PG_BIN) return env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) {
    throw new StackPartError('postgres', 'no PostgreSQL server binaries found under /usr/lib/postgresql (set PG_BIN to the folder with initdb and pg_ctl)');
  }
  return join(root, versions[0], 'bin');
}

export function postgresPart(cfg: StackConfig): Tracked & { pgdata: string } {
  return { ...tracked(cfg.pidDir, cfg.logDir, 'postgres'), pgdata: join(cfg.dataDir, 'postgres') };
}

function pgRun(as: RunAs, bin: string, args: string[]): void {
  const [cmd, ...rest] = [...as.prefix, bin, ...args];
  const res = spawnSync(cmd!, rest, { encoding: 'utf8' });
  if (res.status !== 0) {
    throw new StackPartError('postgres', `${bin.split('/').pop()} failed: ${(res.stderr || res.stdout).trim()}`);
  }
}

function own(as: RunAs, path: string): void {
  if (as.uid !== undefined && as.gid !== undefined) chownSync(path, as.uid, as.gid);
}

function postmasterPid(pgdata: string): number | undefined {
  const file = join(pgdata, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && isAlive(pid) ? pid : undefined;
}

export function postgresRunningPid(cfg: StackConfig): number | undefined {
  return postmasterPid(postgresPart(cfg).pgdata);
}

function initCluster(cfg: StackConfig, as: RunAs, bin: string, creds: StackCredentials): void {
  const part = postgresPart(cfg);
  mkdirSync(cfg.dataDir, { recursive: true });
  // A cluster without PG_VERSION is an init that failed half way: start it over.
  rmSync(part.pgdata, { recursive: true, force: true });
  mkdirSync(part.pgdata, { mode: 0o700 });
  own(as, part.pgdata);
  if (as.prefix.length > 0) {
    const probe = spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-w', part.pgdata]);
    if (probe.status !== 0) {
      throw new StackPartError(
        'postgres',
        `the postgres user cannot write ${part.pgdata}: the checkout must be in a folder other users can enter (not under /root), or set CHAINSYNC_STACK_HOME`,
      );
    }
  }
  const pwfile = join(part.pgdata, '..', 'postgres.pwfile');
  writeFileSync(pwfile, creds.superuser.password, { mode: 0o600 });
  own(as, pwfile);
  try {
    pgRun(as, join(bin, 'initdb'), [
      '-D',
      part.pgdata,
      '-U',
      creds.superuser.user,
      `--pwfile=${pwfile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=peer',
      '-E',
      'UTF8',
      '--no-locale',
    ]);
  } finally {
    rmSync(pwfile, { force: true });
  }
  // wal_level=logical is what Debezium's pgoutput decoding needs; no unix socket, so a long
  // checkout path cannot exceed the socket path limit.
  appendFileSync(
    join(part.pgdata, 'postgresql.conf'),
    [
      '',
      '# chainsync local stack',
      `port = ${cfg.ports.postgres}`,
      "listen_addresses = '127.0.0.1'",
      "unix_socket_directories = ''",
      'wal_level = logical',
      'max_wal_senders = 10',
      'max_replication_slots = 10',
      'max_connections = 200',
      'shared_buffers = 256MB',
      // By default WAL buffers are 1/32 of shared_buffers: 8MB here, where a server with 512MB or
      // more gets 16MB. The projector writes batch transactions of several MB, a few at a time;
      // with 8MB its backends kept finding the buffers full and writing WAL themselves
      // (pg_stat_wal.wal_buffers_full ~870 per 100k rows, ~15% fewer rows/s).
      'wal_buffers = 16MB',
      // The default 1GB forces a checkpoint by WAL volume every few projector benches (100k rows
      // with their audit trail are ~350MB of WAL); the full-page images after it slowed the batches
      // that followed by up to 40% (projector 22–33x naive in four runs, 34–41x with 4GB).
      'max_wal_size = 4GB',
      '',
    ].join('\n'),
  );
}

export async function startPostgres(cfg: StackConfig, say: (l: string) => void): Promise<'started' | 'already up'> {
  const part = postgresPart(cfg);
  const creds = loadOrCreateCredentials(cfg.secretsFile);
  const running = postmasterPid(part.pgdata);
  if (running === undefined && (await portOpen(cfg.ports.postgres))) {
    throw new StackPartError('postgres', `port ${cfg.ports.postgres} is taken by a process this stack did not start (set CHAINSYNC_PG_PORT, or stop it)`);
  }
  const as = runAs();
  const bin = pgBinDir();
  let outcome: 'started' | 'already up' = 'already up';
  if (running === undefined) {
    if (!existsSync(join(part.pgdata, 'PG_VERSION'))) {
      say('postgres: creating a dedicated cluster (wal_level=logical)');
      initCluster(cfg, as, bin, creds);
    }
    mkdirSync(cfg.logDir, { recursive: true });
    if (!existsSync(part.logFile)) writeFileSync(part.logFile, '');
    own(as, part.logFile);
    try {
      pgRun(as, join(bin, 'pg_ctl'), ['-D', part.pgdata, '-l', part.logFile, '-w', '-t', '60', 'start']);
    } catch (err) {
      throw new StackPartError('postgres', (err as Error).message, tailFile(part.logFile));
    }
    outcome = 'started';
  }
  const pid = postmasterPid(part.pgdata);
  if (pid !== undefined) {
    mkdirSync(cfg.pidDir, { recursive: true });
    writePid(part, pid);
  }
  await bootstrapRoles(cfg, creds);
  return outcome;
}

export async function stopPostgres(cfg: StackConfig): Promise<'stopped' | 'not running'> {
  const part = postgresPart(cfg);
  rmSync(part.pidFile, { force: true });
  if (postmasterPid(part.pgdata) === undefined) return 'not running';
  pgRun(runAs(), join(pgBinDir(), 'pg_ctl'), ['-D', part.pgdata, '-m', 'fast', '-w', '-t', '60', 'stop']);
  return 'stopped';
}

/** A crash, as the fault campaign injects it: every backend dropped, no checkpoint; the next start replays the WAL. */
export async function crashPostgres(cfg: StackConfig): Promise<'stopped' | 'not running'> {
  const part = postgresPart(cfg);
  if (postmasterPid(part.pgdata) === undefined) return 'not running';
  pgRun(runAs(), join(pgBinDir(), 'pg_ctl'), ['-D', part.pgdata, '-m', 'immediate', '-w', '-t', '60', 'stop']);
  return 'stopped';
}

export function superuserConfig(cfg: StackConfig, creds: StackCredentials, database = 'postgres'): pg.ClientConfig {
  return { host: '127.0.0.1', port: cfg.ports.postgres, user: creds.superuser.user, password: creds.superuser.password, database };
}

/** Roles and databases, created or brought up to date on every start so the script is safe to re-run. */
/** What one replication slot may keep (docs/runbooks/ReplicationSlotWalRetained.md). */
export const MAX_SLOT_WAL_KEEP_SIZE = '8GB';

async function bootstrapRoles(cfg: StackConfig, creds: StackCredentials): Promise<void> {
  const client = new pg.Client(superuserConfig(cfg, creds));
  await client.connect();
  try {
    const ensureRole = async (name: string, password: string, extra: string) => {
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
      const verb = exists.rowCount ? 'ALTER' : 'CREATE';
      await client.query(`${verb} ROLE ${name} WITH LOGIN ${extra} PASSWORD ${client.escapeLiteral(password)}`);
    };
    await ensureRole(creds.app.user, creds.app.password, 'NOSUPERUSER NOCREATEROLE NOREPLICATION');
    await ensureRole(creds.debezium.user, creds.debezium.password, 'NOSUPERUSER NOCREATEDB NOCREATEROLE REPLICATION');
    await ensureRole(creds.registry.user, creds.registry.password, 'NOSUPERUSER NOCREATEROLE NOREPLICATION');
    // One login per part, granted only what it needs once the migrations ran (scripts/prepare.ts).
    for (const login of Object.values(creds.services ?? {})) await ensureRole(login.user, login.password, 'NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION');
    const ensureDb = async (name: string, owner: string) => {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!exists.rowCount) await client.query(`CREATE DATABASE ${name} OWNER ${owner}`);
    };
    await ensureDb(DATABASE, creds.app.user);
    await ensureDb(REGISTRY_DATABASE, creds.registry.user);
    await client.query(`REVOKE ALL ON DATABASE ${DATABASE} FROM PUBLIC`);
    await client.query(`GRANT CONNECT ON DATABASE ${DATABASE} TO ${creds.debezium.user}`);
    // The WAL guard: a stalled outbox connector's slot keeps at most this much WAL; past it
    // Postgres gives the slot up rather than fill the disk. ReplicationSlotWalRetained fires at
    // 1 GiB, long before. Set on every start, so clusters created before it get it too.
    await client.query(`ALTER SYSTEM SET max_slot_wal_keep_size = '${MAX_SLOT_WAL_KEEP_SIZE}'`);
    await client.query('SELECT pg_reload_conf()');
  } finally {
    await client.end();
  }
}

export async function postgresReady(cfg: StackConfig): Promise<boolean> {
  const res = spawnSync(join(pgBinDir(), 'pg_isready'), ['-h', '127.0.0.1', '-p', String(cfg.ports.postgres), '-t', '2']);
  return res.status === 0;
}

export function psqlVersion(): string {
  return execFileSync(join(pgBinDir(), 'postgres'), ['--version'], { encoding: 'utf8' }).trim();
}
