// Least privilege: the database role each part of chainsync connects as, and exactly what it may
// do. Migrations and maintenance (a projector rebuild swaps tables) run as the database owner;
// every service and the application API run as their own role. One definition: the stack creates
// the roles, setup grants from this map, and a test checks each role refused outside it.
import type { Queryable } from './db.ts';

export type Privilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

export interface RoleGrants {
  role: string;
  tables: Readonly<Record<string, readonly Privilege[]>>;
  /** Temporary tables (the reconciler stages a chain snapshot in one). */
  temporary?: boolean;
}

const ALL: readonly Privilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
const READ: readonly Privilege[] = ['SELECT'];

/** Keyed by service name (services/<name>/), plus `api` for applications calling api/. */
export const ROLE_GRANTS: Readonly<Record<string, RoleGrants>> = {
  submitter: {
    role: 'chainsync_submitter',
    tables: {
      submitter_ops: ALL,
      submitter_attempts: ALL,
      submitter_leases: ALL,
      submitter_status_outbox: ALL,
      submitter_dead_letters: ALL,
      submitter_op_generations: ALL,
      tickets: READ,
      custodial_wallets: READ,
      // Retention deletes the rows the outbox connector has captured.
      chain_outbox: ['SELECT', 'DELETE'],
    },
  },
  // Elects its leader with an advisory lock and keeps everything else in Kafka: no table at all.
  'chain-ingest': { role: 'chainsync_ingest', tables: {} },
  projector: {
    role: 'chainsync_projector',
    tables: {
      ownership: ALL,
      ownership_audit: ALL,
      projector_offsets: ALL,
      tickets: ['SELECT', 'UPDATE'],
      chain_operations: ['SELECT', 'UPDATE'],
    },
  },
  reconciler: {
    role: 'chainsync_reconciler',
    temporary: true,
    tables: {
      discrepancies: ALL,
      discrepancy_history: ALL,
      reconcile_runs: ALL,
      reconciler_mints: ALL,
      reconciler_owner_audit: ALL,
      tickets: ['SELECT', 'UPDATE'],
      ownership: READ,
      // A failed mint is requested again through the application API's retryOperation.
      chain_operations: ['SELECT', 'UPDATE'],
      chain_operation_retries: ['SELECT', 'INSERT'],
      chain_outbox: ['INSERT'],
    },
  },
  monitor: {
    role: 'chainsync_monitor',
    tables: { submitter_dead_letters: READ, chain_operations: READ, reconcile_runs: READ },
  },
  api: {
    role: 'chainsync_api',
    tables: {
      tickets: ['SELECT', 'INSERT', 'UPDATE'],
      custodial_wallets: ['SELECT', 'INSERT'],
      chain_operations: ['SELECT', 'INSERT', 'UPDATE'],
      chain_operation_retries: ['SELECT', 'INSERT'],
      chain_outbox: ['INSERT'],
      ownership: READ,
    },
  },
};

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The grants of every role on `table` (after a rebuild swapped a new table in under its name). */
export async function grantTable(db: Queryable, table: string): Promise<void> {
  for (const g of Object.values(ROLE_GRANTS)) {
    const privileges = g.tables[table];
    if (!privileges?.length || !(await roleExists(db, g.role))) continue;
    await db.query(`GRANT ${privileges.join(', ')} ON ${quoteIdent(table)} TO ${quoteIdent(g.role)}`);
    // Inserting into a table with a serial column takes a value from its sequence.
    if (privileges.includes('INSERT')) {
      const { rows } = await db.query<{ seq: string }>(
        `SELECT s.relname AS seq FROM pg_class s JOIN pg_depend d ON d.objid = s.oid JOIN pg_class t ON t.oid = d.refobjid
          WHERE s.relkind = 'S' AND t.relname = $1 AND t.relnamespace = 'public'::regnamespace`,
        [table],
      );
      for (const r of rows) await db.query(`GRANT USAGE ON SEQUENCE ${quoteIdent(r.seq)} TO ${quoteIdent(g.role)}`);
    }
  }
}

async function roleExists(db: Queryable, role: string): Promise<boolean> {
  return ((await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount ?? 0) > 0;
}

/**
 * Brings every existing role's grants to exactly the map: all it held on the schema's tables is
 * revoked first, so a grant removed from the map is removed from the database. Run as the owner
 * after the migrations; roles that do not exist (a deployment that connects everything as the
 * owner) are skipped. Returns the roles granted.
 */
export async function applyRoleGrants(db: Queryable, database: string): Promise<string[]> {
  const granted: string[] = [];
  const tables = new Set(Object.values(ROLE_GRANTS).flatMap((g) => Object.keys(g.tables)));
  for (const g of Object.values(ROLE_GRANTS)) {
    if (!(await roleExists(db, g.role))) continue;
    const role = quoteIdent(g.role);
    await db.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}`);
    await db.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${role}`);
    await db.query(`REVOKE CREATE ON SCHEMA public FROM ${role}`);
    await db.query(`REVOKE TEMPORARY ON DATABASE ${quoteIdent(database)} FROM ${role}`);
    await db.query(`GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${role}`);
    await db.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    if (g.temporary) await db.query(`GRANT TEMPORARY ON DATABASE ${quoteIdent(database)} TO ${role}`);
    granted.push(g.role);
  }
  for (const table of tables) await grantTable(db, table);
  return granted;
}

/** The environment variable that carries a part's own connection string (set by the stack). */
export const roleUrlKey = (part: string) => `CHAINSYNC_${part.toUpperCase().replaceAll('-', '_')}_DATABASE_URL`;
