// `npm run reconciler`: the stream join, scheduled full reconciliation, health and metrics.
// The only file of the service that touches process (env, signals, exit codes).
import { ConfigError, describeConfig, loadConfig } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { watchStalls } from '../lib/stall-watch.ts';
import { handleSignals } from '../lib/process-signals.ts';
import { Shutdown } from '../lib/shutdown.ts';
import { reconcilerSpec } from './config.ts';
import { startReconciler } from './service.ts';

const logger = createLogger('reconciler');
watchStalls(logger, { cpuUsage: () => process.cpuUsage() });
let config;
try {
  config = loadConfig(reconcilerSpec, process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  logger.error(err.message);
  process.exit(2);
}
logger.info({ config: describeConfig(reconcilerSpec, config) }, 'starting');

const shutdown = new Shutdown(logger);
const { fatal } = handleSignals(process, shutdown, logger);
try {
  const { health } = await startReconciler(config, logger, shutdown, fatal);
  logger.info({ healthPort: health.port }, 'reconciler running');
} catch (err) {
  fatal(err);
}
