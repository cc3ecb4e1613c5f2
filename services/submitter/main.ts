// The submitter service: chain.ops.requested → signed, confirmed Solana transactions →
// chain.ops.status / chain.ops.dlq. The only file that touches `process`.
import { ConfigError, describeConfig, loadConfig } from '../lib/config.ts';
import { startHealthServer } from '../lib/health.ts';
import { createLogger } from '../lib/logger.ts';
import { watchStalls } from '../lib/stall-watch.ts';
import { createMetricsRegistry } from '../lib/metrics.ts';
import { handleSignals } from '../lib/process-signals.ts';
import { Shutdown } from '../lib/shutdown.ts';
import { loadKeypairFile, loadMasterSeedFile } from '../lib/solana/keys.ts';
import { submitterSpec } from './config.ts';
import { startSubmitter } from './submitter.ts';

const logger = createLogger('submitter');
watchStalls(logger, { cpuUsage: () => process.cpuUsage() });

let config;
try {
  config = loadConfig(submitterSpec, process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    logger.fatal(err.message);
    process.exit(2);
  }
  throw err;
}
logger.level = config.LOG_LEVEL;
logger.info({ config: describeConfig(submitterSpec, config) }, 'configuration');

const shutdown = new Shutdown(logger, 20_000);
handleSignals(process, shutdown, logger);

try {
  // Keys are read once; errors name the file, never its content.
  const authority = loadKeypairFile(config.AUTHORITY_KEYPAIR_PATH);
  const custodialSeed = loadMasterSeedFile(config.CUSTODIAL_SEED_PATH);
  const registry = createMetricsRegistry('submitter');
  const submitter = await startSubmitter({ config, logger, registry, authority, custodialSeed });
  shutdown.onShutdown('submitter', submitter.close);
  const health = await startHealthServer({ port: config.HEALTH_PORT, registry, readiness: submitter.readiness });
  shutdown.onShutdown('health', health.close);
  logger.info({ healthPort: health.port }, 'health server listening');
} catch (err) {
  logger.fatal({ err }, 'submitter failed to start');
  await shutdown.shutdown('start failed');
  process.exit(1);
}
