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

/**
 * A statement the server parses and plans once per connection (a named prepared statement) and
 * afterwards only binds and runs: for statements run once per operation, where parsing and
 * planning were about a third of their server time. The text must be constant, and it must name
 * its columns: a cached `SELECT *` fails ("cached plan must not change result type") once a
 * migration adds a column, and that connection would keep failing.
 */
export function prepared(name: string, text: string): (values: unknown[]) => pg.QueryConfig {
  if (/\b(SELECT|RETURNING)\s+(\w+\.)?\*/i.test(text)) throw new Error(`prepared statement ${name} selects *: name its columns`);
  return (values) => ({ name, text, values });
}

/**
 * BEGIN/COMMIT on one client, ROLLBACK on any error, the client released in every case. While it
 * is checked out the pool no longer listens for its errors, so a connection the server drops
 * between two statements (a restart, a terminated backend) would be an unhandled 'error' event and
 * end the process: it is caught here, the next statement fails instead, and the client is
 * discarded rather than put back.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    broken ??= err instanceof Error && isRetryablePgError(err) ? err : undefined;
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** SQLSTATE classes that mean "try again": connection trouble, serialization failures, deadlocks, admin shutdown. */
export function isRetryablePgError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  return code.startsWith('08') || code === '40001' || code === '40P01' || code === '57P01' || code === '57P03' || code === '53300';
}
