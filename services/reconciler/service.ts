// Wiring of the running reconciler: the stream join, its evaluation loop, the scheduled full
// reconciliation with retention, and its readiness. No `process` here: main.ts owns that.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { createPool } from '../lib/db.ts';
import { failOnDeadConsumer } from '../lib/dead-consumer.ts';
import type { ReadinessCheck } from '../lib/health.ts';
import { createKafka, FETCH_PACING } from '../lib/kafka.ts';
import type { Logger } from '../lib/logger.ts';
import { createRegistry } from '../lib/schemas.ts';
import { rpcPoolOptions } from '../lib/solana/rpc-config.ts';
import { RpcPool } from '../lib/solana/rpc-pool.ts';
import type { Shutdown } from '../lib/shutdown.ts';
import { ensureTopics } from '../lib/topics.ts';
import type { ReconcilerConfig } from './config.ts';
import { runJoinConsumer } from './consumer.ts';
import { checkDlq, dlqGrowth } from './dlq.ts';
import { fullReconciliation, type FullRunDeps } from './full-run.ts';
import { reconcilerMetrics } from './metrics.ts';
import type { HealingPolicy } from './policy.ts';
import { discrepancyPublisher } from './publisher.ts';
import { deleteOldRuns } from './runs.ts';
import { rpcHolderSnapshotReader, snapshotChain } from './snapshot.ts';
import { evaluateStream } from './stream-eval.ts';
import { StreamState } from './stream-state.ts';
import type { Thresholds } from './types.ts';

export const thresholdsOf = (c: ReconcilerConfig): Thresholds => ({
  graceMs: c.RECONCILE_GRACE_MS,
  stuckMs: c.RECONCILE_STUCK_MS,
  pendingMs: c.RECONCILE_PENDING_MS,
});
export const policyOf = (c: ReconcilerConfig): HealingPolicy => ({
  ownerMismatch: c.HEAL_OWNER_MISMATCH,
  failedOperation: c.HEAL_FAILED_OPERATION,
  retryTypes: c.HEAL_RETRY_TYPES,
  maxRetries: c.HEAL_MAX_RETRIES,
});

/** Runs `fn` every `ms` until the signal aborts; a failing pass is logged and the loop goes on. */
async function every(ms: number, signal: AbortSignal, logger: Logger, name: string, fn: () => Promise<void>): Promise<void> {
  while (!signal.aborted) {
    try {
      await fn();
    } catch (err) {
      if (!signal.aborted) logger.error({ err, loop: name }, 'pass failed; retrying next interval');
    }
    await sleep(ms, undefined, { signal }).catch(() => undefined);
  }
}

export interface ReconcilerDeps {
  config: ReconcilerConfig;
  logger: Logger;
  registry: Registry;
  shutdown: Shutdown;
  /** Called when the join consumer is dead (lib/dead-consumer.ts): main.ts ends the process. */
  onFatal: (err: unknown) => void;
  pid: number;
}

/** Starts every part, registering each with `shutdown`; resolves with the readiness checks. */
export async function startReconciler({ config, logger, registry, shutdown, onFatal, pid }: ReconcilerDeps): Promise<ReadinessCheck[]> {
  const pool = createPool(config.DATABASE_URL, logger);
  shutdown.onShutdown('postgres pool', () => pool.end());
  const kafka = createKafka(`reconciler-${pid}`, config.KAFKA_BROKERS, logger, config);
  const admin = kafka.admin();
  await admin.connect();
  shutdown.onShutdown('kafka admin', () => admin.disconnect());
  await ensureTopics(admin);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  shutdown.onShutdown('kafka producer', () => producer.disconnect());
  const schemaRegistry = createRegistry(config.SCHEMA_REGISTRY_URL, config);
  const publish = discrepancyPublisher(producer, schemaRegistry);
  const rpc = new RpcPool(rpcPoolOptions(config));
  shutdown.onShutdown('rpc pool', () => rpc.close());
  const reader = rpcHolderSnapshotReader(rpc, { scanTimeoutMs: config.RPC_SCAN_TIMEOUT_MS });
  const metrics = reconcilerMetrics(registry);
  const state = new StreamState();

  const consumer = kafka.consumer({ groupId: config.RECONCILER_GROUP_ID, ...FETCH_PACING.background });
  await consumer.connect();
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => void (joined = true));
  failOnDeadConsumer(consumer, { name: 'join', logger, onDead: onFatal });
  await runJoinConsumer({ consumer, admin, registry: schemaRegistry, state, logger });
  shutdown.onShutdown('join consumer', () => consumer.disconnect());

  const thresholds = thresholdsOf(config);
  const policy = policyOf(config);
  const confirmOwner = async (mint: string) => {
    const s = state.get(mint);
    const snap = await snapshotChain(reader, [{ mint, tokenAccount: s?.chain?.tokenAccount ?? null, dbOwner: s?.chain?.owner ?? null }], {
      chunkKeys: 100,
      concurrency: 1,
      deadline: Date.now() + 10_000,
    });
    return snap.rows[0]?.owner ?? (snap.rows[0] ? null : undefined);
  };
  const recentMs = thresholds.graceMs + 2 * config.RECONCILE_EVAL_INTERVAL_MS;
  const evalLoop = every(config.RECONCILE_EVAL_INTERVAL_MS, shutdown.signal, logger, 'stream', async () => {
    const r = await evaluateStream({ pool, state, publish, logger, thresholds, policy, confirmOwner, recentMs });
    metrics.streamEvaluated(r.evaluated);
    metrics.healed(r.healed);
    await metrics.refreshOpen(pool);
  });

  const dlqLoop = every(config.RECONCILE_EVAL_INTERVAL_MS, shutdown.signal, logger, 'dlq', async () => {
    const r = await checkDlq({
      pool,
      publish,
      policy,
      threshold: config.RECONCILE_DLQ_THRESHOLD,
      windowMs: config.RECONCILE_DLQ_WINDOW_MS,
      count: (since) => dlqGrowth(admin, since),
    });
    if (r.events.length)
      logger.info({ deadLetters: r.count, windowMs: config.RECONCILE_DLQ_WINDOW_MS, changes: r.events.map((e) => e.state) }, 'dlq_growth changed');
  });

  const runDeps: FullRunDeps = {
    pool,
    reader,
    publish,
    logger,
    thresholds,
    policy,
    chunkKeys: config.RECONCILE_CHUNK_KEYS,
    concurrency: config.RECONCILE_RPC_CONCURRENCY,
    timeoutMs: config.RECONCILE_TIMEOUT_MS,
    strategy: config.RECONCILE_SNAPSHOT,
    scanMemory: {},
  };
  const runLoop =
    config.RECONCILE_INTERVAL_MS > 0
      ? every(config.RECONCILE_INTERVAL_MS, shutdown.signal, logger, 'full run', async () => {
          // The first pass waits for the join to catch up, so a start-up does not double the load.
          if (!state.allCaughtUp) return;
          try {
            const r = await fullReconciliation(runDeps, 'schedule', { signal: shutdown.signal });
            metrics.observeRun(r);
            metrics.healed(r.healed);
          } catch (err) {
            metrics.runFailed();
            throw err;
          }
          const removed = await deleteOldRuns(pool, config.RECONCILE_RETENTION_DAYS);
          if (removed) logger.info({ removed }, 'old run records deleted');
          await metrics.refreshOpen(pool);
        })
      : Promise.resolve();
  shutdown.onShutdown('loops', async () => void (await Promise.all([evalLoop, dlqLoop, runLoop])));

  return [
    { name: 'postgres', check: async () => (await pool.query('SELECT 1')).rowCount === 1 },
    { name: 'join', check: async () => ({ ok: joined && state.allCaughtUp, detail: { joined, caughtUp: state.allCaughtUp, mints: state.size } }) },
  ];
}
