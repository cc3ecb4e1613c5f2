// `npm run projector`: the ownership and operation-status projections into Postgres.
// `npm run projector -- rebuild`: replays the ownership topic from offset zero into a fresh table
// and swaps it in. The only file that touches process (env, argv, signals, exit codes).
import { createPool } from '../lib/db.ts';
import { createKafka } from '../lib/kafka.ts';
import { createLogger } from '../lib/logger.ts';
import { watchStalls } from '../lib/stall-watch.ts';
import { ConfigError, describeConfig, loadConfig } from '../lib/config.ts';
import { startHealthServer } from '../lib/health.ts';
import { createMetricsRegistry } from '../lib/metrics.ts';
import { createRegistry } from '../lib/schemas.ts';
import { handleSignals } from '../lib/process-signals.ts';
import { Shutdown } from '../lib/shutdown.ts';
import { ensureTopics } from '../lib/topics.ts';
import { projectorSpec } from './config.ts';
import { startOwnershipConsumer, startStatusConsumer, type ProjectorContext } from './consumers.ts';
import type { RunningConsumer } from './exactly-once-consumer.ts';
import { projectorMetrics } from './metrics.ts';
import { rebuildOwnership } from './rebuild.ts';

const logger = createLogger('projector');
watchStalls(logger, { cpuUsage: () => process.cpuUsage() });
const command = process.argv[2] ?? 'run';
if (command !== 'run' && command !== 'rebuild') {
  logger.error({ command }, 'usage: npm run projector [-- rebuild]');
  process.exit(2);
}

let config;
try {
  config = loadConfig(projectorSpec, process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  logger.error(err.message);
  process.exit(2);
}
logger.info({ command, config: describeConfig(projectorSpec, config) }, 'starting');

const pool = createPool(config.DATABASE_URL, logger);
const kafka = createKafka(`projector-${process.pid}`, config.KAFKA_BROKERS, logger);
const registry = createMetricsRegistry('projector');
const ctx: ProjectorContext = { kafka, pool, registry: createRegistry(config.SCHEMA_REGISTRY_URL), logger, metrics: projectorMetrics(registry) };

const target = { table: config.OWNERSHIP_TABLE, audit: config.OWNERSHIP_AUDIT_TABLE, tickets: true };

if (command === 'rebuild') {
  try {
    const result = await rebuildOwnership(ctx, {
      topic: config.OWNERSHIP_TOPIC,
      liveGroup: config.OWNERSHIP_GROUP,
      liveTable: target.table,
      scratchTable: config.REBUILD_TABLE,
      alignTimeoutMs: config.REBUILD_ALIGN_TIMEOUT_MS,
      progress: (line) => process.stdout.write(`${line}\n`),
    });
    logger.info(result, 'rebuild swapped in');
    process.exitCode = 0;
  } catch (err) {
    logger.error({ err }, 'rebuild failed; the live table is unchanged');
    process.exitCode = 1;
  } finally {
    await pool.end();
  }
} else {
  const shutdown = new Shutdown(logger, config.SHUTDOWN_GRACE_MS);
  const { fatal } = handleSignals(process, shutdown, logger);

  try {
    shutdown.onShutdown('postgres pool', () => pool.end());
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin);
    } finally {
      await admin.disconnect();
    }
    const common = { sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS, concurrency: config.PROJECTOR_CONCURRENCY, onFatal: fatal };
    const starters: Record<string, () => Promise<RunningConsumer>> = {
      ownership: () => startOwnershipConsumer(ctx, { topic: config.OWNERSHIP_TOPIC, groupId: config.OWNERSHIP_GROUP, target, ...common }),
      status: () => startStatusConsumer(ctx, { topic: config.STATUS_TOPIC, groupId: config.STATUS_GROUP, ...common }),
    };
    const running: RunningConsumer[] = [];
    for (const name of config.PROJECTOR_CONSUMERS) {
      const consumer = await starters[name]!();
      running.push(consumer);
      shutdown.onShutdown(`${name} consumer`, () => consumer.stop());
    }
    const health = await startHealthServer({
      port: config.HEALTH_PORT,
      registry,
      readiness: [
        { name: 'postgres', check: async () => (await pool.query('SELECT 1')).rowCount === 1 },
        ...running.map((r) => ({ name: `${r.name} consumer`, check: async () => ({ ok: r.ready(), detail: { partitions: r.assigned() } }) })),
      ],
    });
    shutdown.onShutdown('health server', () => health.close());
    logger.info({ healthPort: health.port, consumers: config.PROJECTOR_CONSUMERS }, 'projector running');
  } catch (err) {
    fatal(err);
  }
}
