// One term as leader: rebuild from the topic, open the stream, backfill, follow new mints, sweep,
// and stop cleanly when leadership ends. Everything it opens, it closes.
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../lib/logger.ts';
import { isMintAddress } from '../lib/solana/mint-address.ts';
import { rpcPoolOptions, wsUrls, type RpcSettings, type WsSettings } from '../lib/solana/rpc-config.ts';
import type { DropInfo } from '../lib/solana/subscriptions.ts';
import { RpcPool } from '../lib/solana/rpc-pool.ts';
import { TOPICS } from '../lib/topics.ts';
import type { IngestConfig } from './config.ts';
import { sweepSliceSize } from './decide.ts';
import { Ingestor } from './ingestor.ts';
import type { IngestMetrics } from './metrics.ts';
import { kafkaSink } from './sink.ts';
import { startRequestConsumer } from './request-consumer.ts';
import { startStatusConsumer } from './status-consumer.ts';
import { MintStream } from './mint-stream.ts';
import { openSlotStream } from './stream.ts';
import { rpcTokenAccountReader } from './token-account-reader.ts';
import { loadPublished } from './topic-state.ts';

export type SessionConfig = Pick<
  IngestConfig,
  | keyof RpcSettings
  | keyof WsSettings
  | 'TRACKED_MINTS'
  | 'INGEST_SWEEP_MS'
  | 'INGEST_STALL_MS'
  | 'INGEST_SUBSCRIPTIONS_PER_CONNECTION'
  | 'INGEST_STATUS_GROUP'
  | 'INGEST_TRACK_FROM_TOPIC'
  | 'INGEST_FOLLOW_STATUS'
  | 'INGEST_FOLLOW_REQUESTS'
  | 'INGEST_REQUEST_GROUP'
>;

export interface SessionDeps {
  config: SessionConfig;
  kafka: Kafka;
  registry: SchemaRegistry;
  metrics: IngestMetrics;
  logger: Logger;
  /** A consumer of the session is dead (lib/dead-consumer.ts): the process must end. */
  onFatal: (err: unknown) => void;
}

export interface LeaderSession {
  ingestor: Ingestor;
  /** Resolves if the session can no longer publish correctly (a failed send). */
  failed: Promise<Error>;
  stop(): Promise<void>;
}

export async function startLeaderSession({ config, kafka, registry, metrics, logger, onFatal }: SessionDeps): Promise<LeaderSession> {
  const published = await loadPublished(kafka, registry, TOPICS.ownership, logger);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  // Stopped in reverse order of start: timers, stream, status consumer, pending sends, producer.
  const cleanups: Array<() => Promise<unknown> | void> = [() => producer.disconnect()];
  const stop = async () => {
    for (const c of cleanups.splice(0).reverse())
      await Promise.resolve()
        .then(c)
        .catch((err: unknown) => logger.warn({ err }, 'session cleanup step failed'));
  };
  try {
    const sink = await kafkaSink(producer, registry, TOPICS.ownership);
    const rpc = new RpcPool({ ...rpcPoolOptions(config), onAttempt: (_url, method) => metrics.rpcRequests.inc({ method }) });
    cleanups.push(() => rpc.close());
    const chain = rpcTokenAccountReader(rpc);
    // Each tracked mint's own subscriptions; the stream's handlers reach the ingestor made next.
    let ingestor: Ingestor | undefined;
    const onDrop = (d: DropInfo) =>
      logger.warn(
        { url: d.url, err: d.error, upForMs: d.upForMs, next: d.next, delayMs: Math.round(d.delayMs) },
        'stream socket dropped; dialling the next endpoint',
      );
    const mintStream = new MintStream(
      wsUrls(config),
      {
        onTokenAccount: (pubkey, data, slot) => ingestor?.onTokenAccount(pubkey, data, slot),
        onMintAccount: (mint, slot) => ingestor?.onMintAccount(mint, slot),
        onDisconnect: () => ingestor?.openGap('disconnect'),
        onReconnect: (url) => {
          metrics.reconnects.inc();
          logger.info({ url }, 'mint stream reconnected');
        },
      },
      { perConnection: config.INGEST_SUBSCRIPTIONS_PER_CONNECTION, onDrop },
    );
    cleanups.push(() => mintStream.close());
    ingestor = new Ingestor({ chain, sink, metrics, logger, published, onTracked: (mints) => mintStream.add(mints) });
    cleanups.push(() => ingestor.idle());
    const configured = config.TRACKED_MINTS.filter((m) => {
      const ok = isMintAddress(m);
      if (!ok) logger.warn({ mint: m }, 'TRACKED_MINTS entry is not a base58 address; ignored');
      return ok;
    });
    ingestor.addTracked(config.INGEST_TRACK_FROM_TOPIC ? [...configured, ...published.keys()] : configured);
    if (config.INGEST_FOLLOW_REQUESTS) {
      const requests: Consumer = await startRequestConsumer({
        kafka,
        groupId: config.INGEST_REQUEST_GROUP,
        logger,
        expect: (m) => ingestor.expect(m),
        onDead: onFatal,
      });
      cleanups.push(() => requests.disconnect());
    }
    if (config.INGEST_FOLLOW_STATUS) {
      const status: Consumer = await startStatusConsumer({
        kafka,
        registry,
        groupId: config.INGEST_STATUS_GROUP,
        logger,
        track: (m) => ingestor.track(m),
        onDead: onFatal,
      });
      cleanups.push(() => status.disconnect());
    }

    ingestor.openGap('start');

    let lastSlotAt = Date.now();
    let tip = 0;
    // A dropped socket is dialled again by the stream itself (the next endpoint, with backoff); a
    // stream that stays silent far longer than the stall limit (a socket half-open) is dropped for
    // the next endpoint. Not sooner: a slow handshake must get the chance to finish.
    const reopenAfterMs = Math.max(30_000, config.INGEST_STALL_MS * 6);
    const stream = openSlotStream(
      wsUrls(config),
      {
        onSlot: (slot) => {
          lastSlotAt = Date.now();
          tip = Math.max(tip, slot);
          ingestor.onSlot(slot, mintStream.complete);
        },
        onRoot: (root) => ingestor.onRoot(root),
        onDisconnect: () => ingestor.openGap('disconnect'),
        onReconnect: (url) => {
          metrics.reconnects.inc();
          logger.info({ url }, 'stream reconnected');
        },
      },
      { onDrop },
    );
    let streamOpenedAt = Date.now();
    cleanups.push(() => stream.close());
    const reopenIfSilent = () => {
      const now = Date.now();
      if (now - lastSlotAt <= reopenAfterMs || now - streamOpenedAt <= reopenAfterMs) return;
      // Counted as a reconnect when the next socket opens (onReconnect).
      stream.restart();
      mintStream.restart();
      streamOpenedAt = now;
      logger.warn({ silentMs: now - lastSlotAt, url: stream.url }, 'slot stream silent; dropped its WebSocket for the next endpoint');
    };

    const timers: NodeJS.Timeout[] = [];
    cleanups.push(() => timers.forEach(clearInterval));
    // A socket can die without a close event reaching us; a silent slot stream is a gap too.
    timers.push(
      setInterval(() => {
        if (Date.now() - lastSlotAt > config.INGEST_STALL_MS) {
          ingestor.openGap('stall');
          reopenIfSilent();
        }
        if (ingestor.caughtUp) metrics.slotLag.set(ingestor.slotLag(tip));
        else
          void chain
            .tipSlot()
            .then((t) => metrics.slotLag.set(ingestor.slotLag(Math.max(t, tip))))
            .catch(() => undefined);
      }, 1_000),
    );
    if (config.INGEST_SWEEP_MS > 0) {
      // Each mint is re-read once per period, a slice every tick rather than all at once.
      const tickMs = Math.min(1_000, config.INGEST_SWEEP_MS);
      let sweeping = false;
      timers.push(
        setInterval(() => {
          if (sweeping) return;
          sweeping = true;
          void ingestor
            .sweepNext(sweepSliceSize(ingestor.trackedCount, tickMs, config.INGEST_SWEEP_MS))
            .catch((err: unknown) => logger.warn({ err }, 'sweep failed'))
            .finally(() => (sweeping = false));
        }, tickMs),
      );
    }

    const failed = new Promise<Error>((resolve) => {
      const t = setInterval(() => {
        if (ingestor.fatal) resolve(ingestor.fatal);
      }, 500);
      timers.push(t);
    });
    logger.info(
      { tracked: ingestor.trackedMints().length, fromTopic: published.size, connections: mintStream.connections + 1 },
      'leading: streaming and backfilling',
    );
    return { ingestor, failed, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
