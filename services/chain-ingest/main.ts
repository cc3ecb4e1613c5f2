// chain-ingest: one active leader (Postgres advisory lock) streams the platform's NFT ownership
// from Solana into chain.ownership; standbys wait to take over.
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, describeConfig, loadConfig } from '../lib/config.ts';
import { startHealthServer } from '../lib/health.ts';
import { createKafka } from '../lib/kafka.ts';
import { createLogger } from '../lib/logger.ts';
import { watchStalls } from '../lib/stall-watch.ts';
import { createMetricsRegistry } from '../lib/metrics.ts';
import { createRegistry } from '../lib/schemas.ts';
import { Shutdown } from '../lib/shutdown.ts';
import { ingestSpec, type IngestConfig } from './config.ts';
import { tryLead } from './leader.ts';
import { ingestMetrics } from './metrics.ts';
import { startLeaderSession, type LeaderSession } from './session.ts';

const logger = createLogger('chain-ingest');
watchStalls(logger, { cpuUsage: () => process.cpuUsage() });

let config: IngestConfig;
try {
  config = loadConfig(ingestSpec, process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    logger.fatal(err.message);
    process.exit(2);
  }
  throw err;
}
logger.info({ config: describeConfig(ingestSpec, config), pid: process.pid }, 'starting');

const shutdown = new Shutdown(logger);
let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  if (++signals > 1) {
    logger.warn({ signal }, 'second signal: exiting now');
    process.exit(130);
  }
  void shutdown.shutdown(signal);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('unhandledRejection', (err) => {
  logger.fatal({ err }, 'unhandled rejection');
  process.exit(1);
});

const registry = createMetricsRegistry('chain-ingest');
const metrics = ingestMetrics(registry);
let session: LeaderSession | undefined;
const health = await startHealthServer({
  port: config.HEALTH_PORT,
  registry,
  readiness: [
    {
      name: 'ingest',
      // A standby is alive but not ready: it ingests nothing until it leads.
      check: async () =>
        session
          ? { ok: session.ingestor.caughtUp, detail: { role: 'leader', caughtUp: session.ingestor.caughtUp, slotLag: (await registry.getSingleMetric('chainsync_ingest_slot_lag')?.get())?.values[0]?.value ?? null, tracked: session.ingestor.trackedMints().length } }
          : { ok: false, detail: { role: 'standby' } },
    },
  ],
});
logger.info({ port: health.port }, 'health server listening');
shutdown.onShutdown('health server', () => health.close());

const kafka = createKafka('chain-ingest', config.KAFKA_BROKERS, logger);
const schemaRegistry = createRegistry(config.SCHEMA_REGISTRY_URL);
const aborted = new Promise<'shutdown'>((resolve) => shutdown.signal.addEventListener('abort', () => resolve('shutdown'), { once: true }));

let crashed = false;
while (!shutdown.requested) {
  const lead = await tryLead(config.DATABASE_URL, config.INGEST_LEADER_LOCK, logger).catch((err: unknown) => {
    logger.warn({ err }, 'could not ask for the leader lock');
    return null;
  });
  if (!lead) {
    await sleep(config.INGEST_STANDBY_RETRY_MS, undefined, { signal: shutdown.signal }).catch(() => undefined);
    continue;
  }
  logger.info({ lock: config.INGEST_LEADER_LOCK }, 'took the leader lock');
  metrics.leader.set(1);
  try {
    session = await startLeaderSession({ config, kafka, registry: schemaRegistry, metrics, logger });
    const outcome = await Promise.race([lead.lost.then(() => 'lost' as const), session.failed.then(() => 'failed' as const), aborted]);
    if (outcome !== 'shutdown') logger.error({ outcome }, 'leadership ended; standing by');
    crashed = outcome === 'failed';
  } catch (err) {
    logger.error({ err }, 'leader session failed to start; standing by');
  } finally {
    const ending = session;
    session = undefined;
    await ending?.stop();
    metrics.leader.set(0);
    await lead.release();
  }
  if (!shutdown.requested) await sleep(config.INGEST_STANDBY_RETRY_MS, undefined, { signal: shutdown.signal }).catch(() => undefined);
}

const clean = await shutdown.shutdown('stopped');
process.exit(clean && !crashed ? 0 : 1);
