// `npm run projector`: the ownership and operation-status projections into Postgres.
// `npm run projector -- rebuild`: replays the ownership topic from offset zero into a fresh table
// and swaps it in. The only file that touches process (env, argv, signals, exit codes).
import { createPool } from '../lib/db.ts';
import { createKafka } from '../lib/kafka.ts';
import { createLogger } from '../lib/logger.ts';
import { describeConfig } from '../lib/config.ts';
import { createMetricsRegistry } from '../lib/metrics.ts';
import { createRegistry } from '../lib/schemas.ts';
import { fromSpec, loadConfigOrExit, runService } from '../lib/service-lifecycle.ts';
import { ensureTopics } from '../lib/topics.ts';
import { projectorSpec } from './config.ts';
import { startOwnershipConsumer, startStatusConsumer, type ProjectorContext } from './consumers.ts';
import type { RunningConsumer } from './exactly-once-consumer.ts';
import { projectorMetrics } from './metrics.ts';
import { rebuildOwnership } from './rebuild.ts';

const command = process.argv[2] ?? 'run';
if (command === 'run') {
  await runService(process, {
    name: 'projector',
    config: fromSpec(projectorSpec),
    start: async ({ config, logger, registry, shutdown, fatal, pid }) => {
      const pool = createPool(config.DATABASE_URL, logger);
      shutdown.onShutdown('postgres pool', () => pool.end());
      const kafka = createKafka(`projector-${pid}`, config.KAFKA_BROKERS, logger, config);
      const ctx: ProjectorContext = { kafka, pool, registry: createRegistry(config.SCHEMA_REGISTRY_URL, config), logger, metrics: projectorMetrics(registry) };
      const target = { table: config.OWNERSHIP_TABLE, audit: config.OWNERSHIP_AUDIT_TABLE, tickets: true };
      const admin = kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin);
      } finally {
        await admin.disconnect();
      }
      const common = { concurrency: config.PROJECTOR_CONCURRENCY, onFatal: fatal };
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
      return [
        { name: 'postgres', check: async () => (await pool.query('SELECT 1')).rowCount === 1 },
        ...running.map((r) => ({ name: `${r.name} consumer`, check: async () => ({ ok: r.ready(), detail: { partitions: r.assigned() } }) })),
      ];
    },
  });
} else if (command === 'rebuild') {
  const logger = createLogger('projector');
  const config = loadConfigOrExit(process, logger, fromSpec(projectorSpec));
  logger.level = config.LOG_LEVEL;
  logger.info({ command, config: describeConfig(projectorSpec, config) }, 'starting');
  const pool = createPool(config.DATABASE_URL, logger);
  const kafka = createKafka(`projector-${process.pid}`, config.KAFKA_BROKERS, logger, config);
  const registry = createMetricsRegistry('projector');
  const ctx: ProjectorContext = { kafka, pool, registry: createRegistry(config.SCHEMA_REGISTRY_URL, config), logger, metrics: projectorMetrics(registry) };
  try {
    const result = await rebuildOwnership(ctx, {
      topic: config.OWNERSHIP_TOPIC,
      liveGroup: config.OWNERSHIP_GROUP,
      liveTable: config.OWNERSHIP_TABLE,
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
  createLogger('projector').error({ command }, 'usage: npm run projector [-- rebuild]');
  process.exit(2);
}
