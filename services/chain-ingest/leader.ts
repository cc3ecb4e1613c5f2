// One active instance: a session-level advisory lock on a dedicated connection. Postgres drops the
// lock with the connection, so a leader that dies (or loses its network) frees it for a standby.
import pg from 'pg';
import type { Logger } from '../lib/logger.ts';

export interface Leadership {
  /** Resolves when the lock may have been lost (connection error or failed heartbeat). */
  lost: Promise<void>;
  release(): Promise<void>;
}

export async function tryLead(connectionString: string, key: number, logger: Logger, heartbeatMs = 2_000): Promise<Leadership | null> {
  const client = new pg.Client({ connectionString, keepAlive: true, application_name: 'chain-ingest-leader' });
  let markLost!: () => void;
  const lost = new Promise<void>((resolve) => (markLost = resolve));
  client.on('error', (err) => {
    logger.warn({ err }, 'leader lock connection failed');
    markLost();
  });
  client.on('end', () => markLost());
  await client.connect();
  const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key]);
  if (!rows[0]?.ok) {
    await client.end().catch(() => undefined);
    return null;
  }
  // A half-open TCP connection would otherwise look alive until the kernel gives up on it.
  const heartbeat = setInterval(() => {
    const timeout = setTimeout(() => markLost(), heartbeatMs * 2);
    client
      .query('SELECT 1')
      .then(() => clearTimeout(timeout))
      .catch(() => markLost());
  }, heartbeatMs);
  void lost.then(() => clearInterval(heartbeat));
  return {
    lost,
    async release() {
      clearInterval(heartbeat);
      await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
