import pg from 'pg';
import type { Logger } from './logger.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that can run a query: a pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

export function createPool(connectionString: string, logger: Logger, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  // An idle client's error (e.g. the server restarted) would otherwise crash the process.
  pool.on('error', (err) => logger.warn({ err }, 'idle postgres client failed; it was removed from the pool'));
  return pool;
}

/** BEGIN/COMMIT on one client, ROLLBACK on any error, the client released in every case. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** SQLSTATE classes that mean "try again": connection trouble, serialization failures, deadlocks, admin shutdown. */
export function isRetryablePgError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  return code.startsWith('08') || code === '40001' || code === '40P01' || code === '57P01' || code === '57P03' || code === '53300';
}
