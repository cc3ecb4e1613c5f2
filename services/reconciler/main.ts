// `npm run reconciler`: the stream join, scheduled full reconciliation, health and metrics.
// The only file of the service that touches process (env, signals, exit codes).
import { ConfigError, describeConfig, loadConfig } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { Shutdown } from '../lib/shutdown.ts';
import { reconcilerSpec } from './config.ts';
import { startReconciler } from './service.ts';

const logger = createLogger('reconciler');
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
let crashed = false;
let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  if (++signals > 1) {
    logger.warn({ signal }, 'second signal: exiting now');
    process.exit(130);
  }
  void shutdown.shutdown(signal).then((clean) => process.exit(crashed || !clean ? 1 : 0));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const fatal = (err: unknown) => {
  crashed = true;
  logger.error({ err }, 'fatal error');
  void shutdown.shutdown('fatal error').then(() => process.exit(1));
};
try {
  const { health } = await startReconciler(config, logger, shutdown, fatal);
  logger.info({ healthPort: health.port }, 'reconciler running');
} catch (err) {
  fatal(err);
}
