// `npm run localnet`: the local chain as a process. Configuration from the environment (see
// CONFIG_DOC), the snapshot written on SIGINT/SIGTERM; a second signal exits at once.
import { createLogger } from '../lib/logger.ts';
import { watchStalls } from '../lib/stall-watch.ts';
import { CONFIG_DOC, loadKeypair, parseConfig } from './config.ts';
import { startLocalnet } from './server.ts';

const logger = createLogger('localnet');
watchStalls(logger, { cpuUsage: () => process.cpuUsage() });
const parsed = parseConfig(process.env);
if ('errors' in parsed) {
  for (const e of parsed.errors) logger.error(e);
  logger.error({ variables: CONFIG_DOC }, 'invalid configuration');
  process.exit(2);
}
const { config } = parsed;

let net: Awaited<ReturnType<typeof startLocalnet>>;
try {
  net = await startLocalnet({
    port: config.port,
    host: config.host,
    slotMs: config.slotMs,
    confirmationSlots: config.confirmationSlots,
    ...(config.snapshotPath ? { snapshotPath: config.snapshotPath, snapshotIntervalMs: config.snapshotIntervalMs } : {}),
    ...(config.faucetKeypairPath ? { faucetKeypair: loadKeypair(config.faucetKeypairPath) } : {}),
    logger,
  });
} catch (e) {
  logger.error({ err: e }, 'localnet failed to start');
  process.exit(1);
}
logger.info({ faucet: net.faucet.toBase58(), admin: `${net.rpcUrl}/admin/state` }, 'localnet ready');

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) {
    logger.warn({ signal }, 'second signal: exiting without waiting');
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const grace = setTimeout(() => {
    logger.error('shutdown took too long');
    process.exit(1);
  }, 10_000);
  grace.unref();
  net.stop().then(
    () => process.exit(0),
    (e: unknown) => {
      logger.error({ err: e }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
