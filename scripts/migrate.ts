// `npm run migrate`: applies pending SQL migrations (migrations/) to DATABASE_URL, or to the
// local stack's database when DATABASE_URL is not set.
import { join } from 'node:path';
import { createPool } from '../services/lib/db.ts';
import { createLogger } from '../services/lib/logger.ts';
import { migrate } from '../services/lib/migrate.ts';
import { REPO_ROOT, loadStackConfig } from './stack/config.ts';
import { stackEnv } from './stack/env.ts';

const logger = createLogger('migrate', { level: process.env.LOG_LEVEL ?? 'info' });
const url = process.env.DATABASE_URL ?? stackEnv(loadStackConfig()).DATABASE_URL!;
const pool = createPool(url, logger, 1);
try {
  const applied = await migrate(pool, join(REPO_ROOT, 'migrations'), logger);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'schema up to date');
} catch (err) {
  logger.error({ err }, 'migration failed');
  process.exitCode = 1;
} finally {
  await pool.end();
}
