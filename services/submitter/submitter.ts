// Wires the submitter from its config and clients: intake (Kafka → tables), scheduler (tables →
// chain), finalizer, and the outbox publisher (tables → Kafka). Takes no process globals, so
// tests run it in-process and main.ts runs it as a service.
import { randomUUID } from 'node:crypto';
import type { Keypair } from '@solana/web3.js';
import { Partitioners } from 'kafkajs';
import type { Registry } from 'prom-client';
import { createPool } from '../lib/db.ts';
import { failOnDeadConsumer } from '../lib/dead-consumer.ts';
import { createKafka, FETCH_PACING, whileHeartbeating } from '../lib/kafka.ts';
import type { Logger } from '../lib/logger.ts';
import { avroType, createRegistry, registerValueSchemas } from '../lib/schemas.ts';
import { backoffPolicy } from '../lib/retry.ts';
import { endpointLabel } from '../lib/solana/endpoint-label.ts';
import { rpcPoolOptions } from '../lib/solana/rpc-config.ts';
import { RpcPool } from '../lib/solana/rpc-pool.ts';
import { TOPICS } from '../lib/topics.ts';
import { BlockhashCache } from './blockhash-cache.ts';
import { feePolicyOf, type SubmitterConfig } from './config.ts';
import { runFinalizer } from './finalizer.ts';
import { Retention, runRetention } from './retention.ts';
import { Coalescer } from './coalescer.ts';
import { takeIn, type IntakeBatch } from './intake.ts';
import { createSubmitterMetrics, type SubmitterMetrics } from './metrics.ts';
import { OutboxPublisher } from './publisher.ts';
import { Scheduler } from './scheduler.ts';
import { SignatureWatcher } from './signature-watcher.ts';
import * as store from './store.ts';

/** As many as chain.ops.requested has partitions: a fetch's batches all go in one intake transaction. */
const INTAKE_PARTITIONS_AT_ONCE = 6;
type IntakeResult = Awaited<ReturnType<typeof takeIn>>;

export interface SubmitterDeps {
  config: SubmitterConfig;
  logger: Logger;
  registry: Registry;
  authority: Keypair;
  custodialSeed: Uint8Array;
  /** The process id, in the instance id (lease holder, Kafka client id) so logs and leases name the process. */
  pid?: number;
  /** Called when the intake consumer is dead (lib/dead-consumer.ts): main.ts ends the process. */
  onFatal?: (err: unknown) => void;
}

export interface RunningSubmitter {
  instanceId: string;
  metrics: SubmitterMetrics;
  readiness: Array<{ name: string; check: () => Promise<boolean> }>;
  /** Graceful: stop intake, let workers stop at a persisted point, flush the outboxes, disconnect. */
  close: () => Promise<void>;
}

export async function startSubmitter({ config, logger, registry, authority, custodialSeed, pid, onFatal }: SubmitterDeps): Promise<RunningSubmitter> {
  const instanceId = [pid, randomUUID().slice(0, 8)].filter((part) => part !== undefined).join('-');
  const log = logger.child({ instanceId });
  const pool = createPool(config.DATABASE_URL, log, 20);
  const metrics = createSubmitterMetrics(registry, () => store.parkedCount(pool));
  const stop = new AbortController();
  const rpc = new RpcPool({
    ...rpcPoolOptions(config),
    backoff: backoffPolicy({ initialMs: 100, maxMs: 2_000, maxAttempts: 5 }),
    onError: (endpoint, method, c) => metrics.rpcErrors.inc({ endpoint: endpointLabel(endpoint), method, kind: c.kind }),
  });

  const schemaRegistry = createRegistry(config.SCHEMA_REGISTRY_URL, config);
  const ids = await registerValueSchemas(schemaRegistry, config.SCHEMAS_DIR);
  const kafka = createKafka(`chainsync-submitter-${instanceId}`, config.KAFKA_BROKERS, log, config);
  // Idempotent: a retried send after a lost ack is written once, in order.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const publisher = new OutboxPublisher(
    pool,
    producer,
    schemaRegistry,
    { status: ids[TOPICS.opsStatus], dlq: ids[TOPICS.opsDlq] },
    log.child({ component: 'publisher' }),
    config.SUBMITTER_PUBLISH_MS,
  );
  publisher.start();

  const watcher = new SignatureWatcher(rpc, config.SUBMITTER_POLL_MS, stop.signal);
  const scheduler = new Scheduler(
    pool,
    {
      pool,
      rpc,
      watcher,
      blockhashes: new BlockhashCache(rpc, 1_000),
      logger: log,
      metrics,
      authority,
      custodialSeed,
      rebroadcastMs: config.SUBMITTER_REBROADCAST_MS,
      maxAttempts: config.SUBMITTER_MAX_ATTEMPTS,
      parkAfter: config.SUBMITTER_PARK_AFTER,
      feePolicy: feePolicyOf(config),
      onStatus: () => publisher.poke(),
    },
    { holder: instanceId, capacity: config.SUBMITTER_CONCURRENCY, leaseTtlMs: config.SUBMITTER_LEASE_TTL_MS, scanMs: config.SUBMITTER_SCAN_MS },
    log.child({ component: 'scheduler' }),
  );
  scheduler.start();
  const finalizer = runFinalizer(pool, rpc, metrics, log, config.SUBMITTER_FINALIZE_MS, stop.signal, () => publisher.poke());
  const retention =
    config.SUBMITTER_RETENTION_MS > 0
      ? runRetention(
          new Retention(pool, {
            replicationSlot: config.OUTBOX_REPLICATION_SLOT,
            statusOutboxKeepS: config.SUBMITTER_STATUS_OUTBOX_KEEP_S,
            deadLetterKeepS: config.SUBMITTER_DEAD_LETTER_KEEP_S,
            attemptKeepS: config.SUBMITTER_ATTEMPT_KEEP_S,
          }),
          config.SUBMITTER_RETENTION_MS,
          stop.signal,
          log.child({ component: 'retention' }),
          (table, rows) => metrics.pruned.inc({ table }, rows),
        )
      : Promise.resolve();

  const intakeCtx = {
    pool,
    schema: avroType(config.SCHEMAS_DIR, 'operation.avsc'),
    authority: authority.publicKey,
    logger: log.child({ component: 'intake' }),
    metrics,
  };
  const consumer = kafka.consumer({ groupId: config.SUBMITTER_GROUP_ID, ...FETCH_PACING.latency });
  let consumerUp = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (consumerUp = true));
  consumer.on(consumer.events.CRASH, () => (consumerUp = false));
  failOnDeadConsumer(consumer, { name: 'intake', logger: log, onDead: onFatal });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.opsRequested, fromBeginning: true });
  // A fetch's partitions, handed to eachBatch side by side, are taken in by one transaction and
  // committed by one offset commit (coalescer.ts). A chunk's offset is resolved only after both.
  const intake = new Coalescer<IntakeBatch, IntakeResult>(async (batches) => {
    const r = await takeIn(intakeCtx, batches);
    const next = new Map<number, bigint>();
    for (const b of batches) next.set(b.partition, BigInt(b.messages[b.messages.length - 1]!.offset) + 1n);
    // The rows are committed: now, and only now, the offsets may move past them (invariant 6).
    await consumer.commitOffsets([...next].map(([partition, offset]) => ({ topic: TOPICS.opsRequested, partition, offset: offset.toString() })));
    if (r.inserted) scheduler.poke();
    if (r.deadLettered) publisher.poke();
    return batches.map(() => r);
  });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: INTAKE_PARTITIONS_AT_ONCE,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      for (let i = 0; i < batch.messages.length && isRunning() && !isStale(); i += 500) {
        const chunk = batch.messages.slice(i, i + 500);
        // A chunk waits for the fetch's coalesced transaction and offset commit: under load for
        // longer than a heartbeat interval, and the session must outlast it (lib/kafka.ts).
        await whileHeartbeating(heartbeat, () => intake.add({ topic: batch.topic, partition: batch.partition, messages: chunk }));
        resolveOffset(chunk[chunk.length - 1]!.offset);
        await heartbeat();
      }
    },
  });

  const readiness = [
    { name: 'postgres', check: async () => (await pool.query('SELECT 1')).rowCount === 1 },
    { name: 'kafka-consumer', check: async () => consumerUp },
    { name: 'outbox-publisher', check: async () => publisher.healthy },
    { name: 'solana-rpc', check: async () => (await rpc.call('getHealth', (c) => c.getSlot('confirmed'))) >= 0 },
  ];

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      log.info('submitter stopping: intake first');
      await consumer.disconnect().catch((err: unknown) => log.warn({ err }, 'consumer disconnect failed'));
      stop.abort();
      await scheduler.close();
      await finalizer;
      await retention;
      await publisher.close();
      await producer.disconnect().catch((err: unknown) => log.warn({ err }, 'producer disconnect failed'));
      await pool.end();
      log.info('submitter stopped');
    })());

  log.info(
    { rpc: rpc.urls, group: config.SUBMITTER_GROUP_ID, concurrency: config.SUBMITTER_CONCURRENCY, authority: authority.publicKey.toBase58() },
    'submitter started',
  );
  return { instanceId, metrics, readiness, close };
}
