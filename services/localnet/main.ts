// `npm run localnet`: the local chain as a process. Configuration from the environment (see
// CONFIG_DOC), the snapshot written on SIGINT/SIGTERM; a second signal exits at once. The only
// file that touches process.
import { ConfigError, lifecycleSpec, loadConfig } from '../lib/config.ts';
import { runService } from '../lib/service-lifecycle.ts';
import { loadKeypair, parseConfig } from './config.ts';
import { startLocalnet } from './server.ts';

await runService(process, {
  name: 'localnet',
  config: {
    // The lifecycle's settings (LOG_LEVEL, SHUTDOWN_GRACE_MS) and the chain's own; no health port:
    // the chain's RPC answers getHealth itself.
    load: (env) => {
      const parsed = parseConfig(env);
      let lifecycle;
      try {
        lifecycle = loadConfig(lifecycleSpec, env);
      } catch (err) {
        if (!(err instanceof ConfigError) || !('errors' in parsed)) throw err;
        throw new ConfigError([...err.problems, ...parsed.errors]);
      }
      if ('errors' in parsed) throw new ConfigError(parsed.errors);
      return { ...lifecycle, ...parsed.config };
    },
    describe: (config) => ({ ...config }), // nothing secret: the faucet key is a path
  },
  start: async ({ config, logger, shutdown }) => {
    const net = await startLocalnet({
      port: config.port,
      host: config.host,
      slotMs: config.slotMs,
      confirmationSlots: config.confirmationSlots,
      ...(config.snapshotPath ? { snapshotPath: config.snapshotPath, snapshotIntervalMs: config.snapshotIntervalMs } : {}),
      ...(config.faucetKeypairPath ? { faucetKeypair: loadKeypair(config.faucetKeypairPath) } : {}),
      profile: config.profile,
      backgroundTps: config.backgroundTps,
      ...(config.backgroundSeed !== undefined ? { backgroundSeed: config.backgroundSeed } : {}),
      logger,
    });
    shutdown.onShutdown('localnet', () => net.stop());
    logger.info({ faucet: net.faucet.toBase58(), admin: `${net.rpcUrl}/admin/state`, profile: config.profile }, 'localnet ready');
  },
});
