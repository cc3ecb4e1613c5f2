// Least privilege on the real stack: each part's login (services/lib/roles.ts) can do exactly
// what its grants say on every table (each of SELECT, INSERT, UPDATE, DELETE tried for real, in a
// transaction rolled back), no DDL, temporary tables only where granted, and a projector rebuild
// hands the grants on to the table it swaps in. test/integration/prometheus.test.ts runs the
// whole pipeline under these logins.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ROLE_GRANTS, type Privilege } from '../../services/lib/roles.ts';
import { createScratch, swapIn } from '../../services/projector/rebuild-swap.ts';
import { roleDatabaseUrl, stackEnv } from '../support/stack-env.ts';

const owner = new pg.Pool({ connectionString: stackEnv().DATABASE_URL, max: 2 });
const pools = new Map<string, pg.Pool>();
const poolOf = (part: string) => {
  if (!pools.has(part)) pools.set(part, new pg.Pool({ connectionString: roleDatabaseUrl(part), max: 1 }));
  return pools.get(part)!;
};

afterAll(async () => {
  await Promise.all([...pools.values()].map((p) => p.end()));
  await owner.end();
});

/** The SQLSTATE a statement ends with (null: it ran), always rolled back. */
async function outcome(pool: pg.Pool, sql: string): Promise<string | null> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(sql);
    return null;
  } catch (err) {
    return (err as { code?: string }).code ?? 'unknown';
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

const INSUFFICIENT_PRIVILEGE = '42501';

describe('least privilege', () => {
  it('each login may do on every table exactly what its grants say, tried for real', async () => {
    const tables = (
      await owner.query<{ table_name: string; column_name: string }>(
        `SELECT DISTINCT ON (table_name) table_name, column_name FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name IN (SELECT tablename FROM pg_tables WHERE schemaname = 'public') ORDER BY table_name, ordinal_position`,
      )
    ).rows;
    expect(tables.length).toBeGreaterThan(20);
    const statements: Record<Privilege, (t: string, c: string) => string> = {
      SELECT: (t) => `SELECT 1 FROM "${t}" LIMIT 0`,
      INSERT: (t) => `INSERT INTO "${t}" DEFAULT VALUES`,
      UPDATE: (t, c) => `UPDATE "${t}" SET "${c}" = NULL WHERE false`,
      DELETE: (t) => `DELETE FROM "${t}" WHERE false`,
    };
    const wrong: string[] = [];
    for (const [part, grants] of Object.entries(ROLE_GRANTS)) {
      const pool = poolOf(part);
      for (const { table_name: t, column_name: c } of tables) {
        for (const privilege of Object.keys(statements) as Privilege[]) {
          const allowed = grants.tables[t]?.includes(privilege) ?? false;
          const code = await outcome(pool, statements[privilege](t, c));
          // Allowed: anything but a refusal (an INSERT of defaults may break a NOT NULL: it got past the grant).
          if (allowed === (code === INSUFFICIENT_PRIVILEGE))
            wrong.push(`${grants.role} ${privilege} ${t}: ${allowed ? 'refused' : 'allowed'} (${code ?? 'ran'})`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('no login may change the schema, and only the reconciler may make temporary tables', async () => {
    for (const [part, grants] of Object.entries(ROLE_GRANTS)) {
      const pool = poolOf(part);
      expect(await outcome(pool, 'CREATE TABLE least_privilege_probe (x int)'), grants.role).toBe(INSUFFICIENT_PRIVILEGE);
      expect(await outcome(pool, 'DROP TABLE tickets'), grants.role).toBe(INSUFFICIENT_PRIVILEGE);
      expect(await outcome(pool, 'TRUNCATE chain_outbox'), grants.role).toBe(INSUFFICIENT_PRIVILEGE);
      expect(await outcome(pool, 'CREATE TEMPORARY TABLE least_privilege_probe (x int) ON COMMIT DROP'), grants.role).toBe(
        grants.temporary ? null : INSUFFICIENT_PRIVILEGE,
      );
    }
  });

  it("a projector rebuild hands the live table's grants on to the table it swaps in", async () => {
    const client = await owner.connect();
    try {
      await client.query('BEGIN');
      await client.query('LOCK TABLE ownership IN ACCESS EXCLUSIVE MODE');
      await createScratch(client, 'ownership', 'ownership_grants_probe');
      await swapIn(client, 'ownership', 'ownership_grants_probe');
      const { rows } = await client.query<{ ok: boolean }>(
        `SELECT has_table_privilege('chainsync_projector', 'ownership', 'INSERT') AND has_table_privilege('chainsync_api', 'ownership', 'SELECT') AS ok`,
      );
      expect(rows[0]!.ok).toBe(true);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
