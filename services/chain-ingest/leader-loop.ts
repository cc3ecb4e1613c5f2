// The instance's life until shutdown: take the leader lock (or stand by and ask again), lead one
// session until leadership is lost or the session fails, stand by, and so on.
import { setTimeout as sleep } from 'node:timers/promises';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Kafka } from 'kafkajs';
import type { Logger } from '../lib/logger.ts';
import type { IngestConfig } from './config.ts';
import { tryLead } from './leader.ts';
import type { IngestMetrics } from './metrics.ts';
import { startLeaderSession, type LeaderSession } from './session.ts';

export interface LeaderLoopDeps {
  config: IngestConfig;
  kafka: Kafka;
  registry: SchemaRegistry;
  metrics: IngestMetrics;
  logger: Logger;
  /** Aborted at shutdown: the session stops and the lock is released. */
  signal: AbortSignal;
  /** A session's consumer is dead: the process must end (lib/dead-consumer.ts). */
  onFatal: (err: unknown) => void;
}

export interface LeaderLoop {
  /** The session this instance leads now, if it leads. */
  session: () => LeaderSession | undefined;
  /** Resolves once the signal has ended the loop: true if the last session ended by failing. */
  done: Promise<boolean>;
}

export function runLeaderLoop({ config, kafka, registry, metrics, logger, signal, onFatal }: LeaderLoopDeps): LeaderLoop {
  let session: LeaderSession | undefined;
  const aborted = new Promise<'shutdown'>((resolve) => signal.addEventListener('abort', () => resolve('shutdown'), { once: true }));
  const standBy = () => sleep(config.INGEST_STANDBY_RETRY_MS, undefined, { signal }).catch(() => undefined);
  const done = (async () => {
    let failed = false;
    while (!signal.aborted) {
      const lead = await tryLead(config.DATABASE_URL, config.INGEST_LEADER_LOCK, logger).catch((err: unknown) => {
        logger.warn({ err }, 'could not ask for the leader lock');
        return null;
      });
      if (!lead) {
        await standBy();
        continue;
      }
      logger.info({ lock: config.INGEST_LEADER_LOCK }, 'took the leader lock');
      metrics.leader.set(1);
      try {
        session = await startLeaderSession({ config, kafka, registry, metrics, logger, onFatal });
        const outcome = await Promise.race([lead.lost.then(() => 'lost' as const), session.failed.then(() => 'failed' as const), aborted]);
        if (outcome !== 'shutdown') logger.error({ outcome }, 'leadership ended; standing by');
        failed = outcome === 'failed';
      } catch (err) {
        logger.error({ err }, 'leader session failed to start; standing by');
      } finally {
        const ending = session;
        session = undefined;
        await ending?.stop();
        metrics.leader.set(0);
        await lead.release();
      }
      if (!signal.aborted) await standBy();
    }
    return failed;
  })();
  return { session: () => session, done };
}
