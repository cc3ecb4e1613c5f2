import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { stackEnv } from '../../test/support/stack-env.ts';
import { silentLogger } from './logger.ts';
import { createPool, withTransaction } from './db.ts';

const pool = createPool(stackEnv().DATABASE_URL, silentLogger(), 2);
const admin = new pg.Pool({ connectionString: stackEnv().DATABASE_URL, max: 1 });
afterAll(async () => {
  await pool.end();
  await admin.end();
});

describe('withTransaction', () => {
  it('rejects, and does not crash the process, when the server drops the connection between two statements (the chaos runner died of an unhandled pg error when Postgres was killed)', async () => {
    const outcome = withTransaction(pool, async (client) => {
      const { pid } = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!;
      // Not a statement in flight: the client is checked out and idle in the transaction, as
      // while an API call computes an address between its statements.
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await new Promise((r) => setTimeout(r, 300));
      return client.query('SELECT 1');
    });
    await expect(outcome).rejects.toThrow();
    // The broken client was not put back: the pool still answers.
    expect((await pool.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n).toBe(1);
  });
});
