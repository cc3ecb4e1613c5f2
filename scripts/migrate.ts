// `npm run migrate`: applies pending SQL migrations (migrations/) to DATABASE_URL, or to the
// local stack's database when DATABASE_URL is not set, then each part's role its grants.
import { join } from 'node:path';
import { createPool } from '../services/lib/db.ts';
import { createLogger } from '../services/lib/logger.ts';
import { migrate } from '../services/lib/migrate.ts';
import { applyRoleGrants } from '../services/lib/roles.ts';
import { REPO_ROOT, loadStackConfig } from './stack/config.ts';
import { stackEnv } from './stack/env.ts';

const logger = createLogger('migrate', { level: process.env.LOG_LEVEL ?? 'info' });
const url = process.env.DATABASE_URL ?? stackEnv(loadStackConfig()).DATABASE_URL!;
const pool = createPool(url, logger, 1);
try {
  const applied = await migrate(pool, join(REPO_ROOT, 'migrations'), logger);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'schema up to date');
  // The roles that exist get exactly their grants (services/lib/roles.ts), new tables included.
  const granted = await applyRoleGrants(pool, new URL(url).pathname.slice(1));
  logger.info({ granted }, granted.length ? 'grants applied' : 'no chainsync_* roles: every part connects as the owner');
} catch (err) {
  logger.error({ err }, 'migration failed');
  process.exitCode = 1;
} finally {
  await pool.end();
}
