import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { withTransaction, type Pool, type PoolClient } from '../lib/db.ts';
import { InvalidInputError } from '../lib/errors.ts';
import { failOnDeadConsumer } from '../lib/dead-consumer.ts';
import { FETCH_PACING, whileHeartbeating, type FetchPacing } from '../lib/kafka.ts';
import type { Logger } from '../lib/logger.ts';
import type { ProjectorMetrics } from './metrics.ts';
import { lockNextOffset, readOffsets, saveNextOffset } from './offsets-store.ts';

export interface Decoded<T> {
  offset: bigint;
  value: T;
}

export interface ExactlyOnceOptions<T> {
  name: string;
  kafka: Kafka;
  pool: Pool;
  logger: Logger;
  metrics: ProjectorMetrics;
  groupId: string;
  topic: string;
  /** Registry-framed Avro to a value; throws InvalidInputError for a poison record. */
  decode: (message: KafkaMessage, partition: number) => T | Promise<T>;
  /** Writes the effect of `records` (in offset order) inside `client`'s transaction; returns rows written. */
  apply: (client: PoolClient, records: T[], partition: number) => Promise<number>;
  /** How long a fetch may wait for more records (lib/kafka.ts); default 'latency'. */
  pacing?: FetchPacing;
  /** Partitions applied at the same time (each its own transaction; their mints never overlap). */
  concurrency?: number;
  /** Test seam: runs after the rows and the offset are written, before COMMIT. */
  beforeCommit?: (info: { partition: number; records: number }) => Promise<void> | void;
  /** Called when the consumer is dead (lib/dead-consumer.ts): the process must end. */
  onFatal?: (err: unknown) => void;
}

export interface RunningConsumer {
  name: string;
  consumer: Consumer;
  /** Partitions this member holds now. */
  assigned: () => number[];
  ready: () => boolean;
  stop: () => Promise<void>;
}

/**
 * A consumer whose effect is exactly once: each partition's batch is applied in one Postgres
 * transaction together with the partition's next offset, and on every assignment the consumer
 * seeks to the offsets stored there (invariant 6). Kafka's own commits follow the database (only
 * after COMMIT), for lag monitoring. Inside the transaction the stored offset is locked and
 * records below it are dropped, so a duplicate fetch or a member still holding a revoked
 * partition cannot apply a record twice.
 */
export async function startExactlyOnceConsumer<T>(o: ExactlyOnceOptions<T>): Promise<RunningConsumer> {
  const log = o.logger.child({ consumer: o.name, group: o.groupId, topic: o.topic });
  // Up to 2 MiB per partition and fetch (kafkajs: 1 MiB), about 10k records: when catching up,
  // fewer and larger batch transactions cost less per row (measured ~15% less CPU per row in
  // bench/projector.ts); a caught-up projector's batches are small either way. The fetch as a
  // whole may hold that for 8 partitions (kafkajs: 10 MiB), so none is left for a fetch of its own.
  const consumer = o.kafka.consumer({
    groupId: o.groupId,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: 2 << 20,
    maxBytes: 16 << 20,
    ...FETCH_PACING[o.pacing ?? 'latency'],
  });
  let assigned: number[] = [];
  let joined = false;
  let seeking: Promise<void> = Promise.resolve();
  // The stored offsets as this member last knew them (read at start, moved by its own commits),
  // so the seek on assignment happens at once, before the generation's first fetch: a seek
  // made after that fetch makes its batches stale, and kafkajs drops them and fetches again.
  const known = await readOffsets(o.pool, o.groupId, o.topic);
  // No row: nothing of this partition was ever applied here, so start at its beginning (-2,
  // earliest) even if Kafka remembers offsets for the group.
  const seekTo = (partition: number, next: bigint | undefined) =>
    consumer.seek({ topic: o.topic, partition, offset: next !== undefined ? next.toString() : '-2' });

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    assigned = [...(payload.memberAssignment[o.topic] ?? [])].sort((a, b) => a - b);
    joined = true;
    for (const partition of assigned) seekTo(partition, known.get(partition));
    // Another member may have moved a partition on meanwhile: the stored offsets decide, and a
    // partition whose offset differs is sought again. Set synchronously, so eachBatch waits for
    // it (and skips a batch this made stale).
    seeking = (async () => {
      const stored = await readOffsets(o.pool, o.groupId, o.topic);
      for (const partition of assigned) {
        const next = stored.get(partition);
        if (next === known.get(partition)) continue;
        if (next === undefined) known.delete(partition);
        else known.set(partition, next);
        seekTo(partition, next);
      }
      log.info(
        { partitions: assigned, seekTo: Object.fromEntries([...stored].filter(([p]) => assigned.includes(p)).map(([p, n]) => [p, n.toString()])) },
        'partitions assigned',
      );
    })();
  });
  const watch = failOnDeadConsumer(consumer, { name: o.name, logger: log, onDead: o.onFatal });

  // A throughput line for people reading logs; dashboards use rate() of the counters instead.
  let window = { records: 0, rows: 0, batches: 0, since: performance.now() };
  const reporter = setInterval(() => {
    const s = (performance.now() - window.since) / 1000;
    if (window.batches > 0)
      log.info(
        { recordsPerSecond: Math.round(window.records / s), rowsPerSecond: Math.round(window.rows / s), batches: window.batches, partitions: assigned },
        'throughput',
      );
    window = { records: 0, rows: 0, batches: 0, since: performance.now() };
  }, 30_000);
  reporter.unref();

  await consumer.connect();
  await consumer.subscribe({ topic: o.topic, fromBeginning: true });
  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommit: true,
    partitionsConsumedConcurrently: o.concurrency ?? 3,
    // A catching-up batch (up to 2 MiB) waits on the registry and on its transaction, under load
    // for seconds: the session must outlast it (lib/kafka.ts).
    eachBatch: ({ heartbeat, ...payload }) => whileHeartbeating(heartbeat, () => applyBatch(payload)),
  });

  async function applyBatch({ batch, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale }: Omit<EachBatchPayload, 'heartbeat'>): Promise<void> {
    await seeking;
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    const partition = batch.partition;
    const started = performance.now();
    const decoded: Array<Decoded<T>> = [];
    for (const message of batch.messages) {
      try {
        const value = o.decode(message, partition);
        decoded.push({ offset: BigInt(message.offset), value: value instanceof Promise ? await value : value });
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw err; // retryable: kafkajs retries the batch
        o.metrics.skipped.inc({ consumer: o.name, reason: 'poison' });
        log.warn({ partition, offset: message.offset, err: err.message, context: err.context }, 'poison record skipped');
      }
    }
    const last = BigInt(batch.lastOffset());
    let applied = 0;
    let rows = 0;
    let next = last + 1n;
    await withTransaction(o.pool, async (client) => {
      const stored = await lockNextOffset(client, o.groupId, o.topic, partition);
      if (stored !== undefined && stored > last) {
        next = stored;
        return; // already applied by another member or an earlier run
      }
      const fresh = decoded.filter((d) => stored === undefined || d.offset >= stored);
      applied = fresh.length;
      if (fresh.length)
        rows = await o.apply(
          client,
          fresh.map((d) => d.value),
          partition,
        );
      await saveNextOffset(client, o.groupId, o.topic, partition, last + 1n, stored !== undefined);
      await o.beforeCommit?.({ partition, records: fresh.length });
    });
    known.set(partition, next);
    resolveOffset(batch.lastOffset());
    await commitOffsetsIfNecessary();
    window.records += applied;
    window.rows += rows;
    window.batches++;
    o.metrics.records.inc({ consumer: o.name }, applied);
    o.metrics.rows.inc({ consumer: o.name }, rows);
    o.metrics.batchSize.observe({ consumer: o.name }, batch.messages.length);
    o.metrics.batchSeconds.observe({ consumer: o.name }, (performance.now() - started) / 1000);
    const lag = Number(BigInt(batch.highWatermark) - last - 1n);
    o.metrics.lag.set({ consumer: o.name, partition: String(partition) }, Math.max(0, lag));
    log.debug({ partition, records: batch.messages.length, applied, rows, lag }, 'batch applied');
  }

  return {
    name: o.name,
    consumer,
    assigned: () => assigned,
    ready: () => joined && !watch.dead(),
    stop: async () => {
      joined = false;
      clearInterval(reporter);
      await consumer.disconnect();
    },
  };
}
