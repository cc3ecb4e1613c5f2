import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Kafka } from 'kafkajs';
import type { Pool } from '../lib/db.ts';
import type { Logger } from '../lib/logger.ts';
import { asOperationStatus, asOwnershipChange } from './decode.ts';
import { createValueDecoder } from '../lib/registry-decoder.ts';
import { startExactlyOnceConsumer, type ExactlyOnceOptions, type RunningConsumer } from './exactly-once-consumer.ts';
import type { ProjectorMetrics } from './metrics.ts';
import { applyOwnershipBatch, LIVE_TARGET, type OwnershipTarget } from './ownership-store.ts';
import { applyStatusBatch } from './status-store.ts';

/** What both consumers need: clients passed in, so tests hand in their own topics and groups. */
export interface ProjectorContext {
  kafka: Kafka;
  pool: Pool;
  registry: SchemaRegistry;
  logger: Logger;
  metrics: ProjectorMetrics;
}

type Seams = Pick<ExactlyOnceOptions<unknown>, 'beforeCommit' | 'onFatal' | 'concurrency'>;

/** chain.ownership → ownership, ownership_audit, tickets.owner_wallet/status. */
export function startOwnershipConsumer(
  ctx: ProjectorContext,
  opts: { topic: string; groupId: string; target?: OwnershipTarget } & Seams,
): Promise<RunningConsumer> {
  const target = opts.target ?? LIVE_TARGET;
  const decode = createValueDecoder(ctx.registry);
  return startExactlyOnceConsumer({
    ...ctx,
    ...opts,
    name: 'ownership',
    decode: (m, partition) => {
      const context = { topic: opts.topic, partition, offset: m.offset };
      const v = decode(m.value, context);
      return v instanceof Promise ? v.then((x) => asOwnershipChange(x, context)) : asOwnershipChange(v, context);
    },
    apply: (client, changes) => applyOwnershipBatch(client, target, changes),
  });
}

/**
 * chain.ops.status → chain_operations. A status for an op id the database does not know is
 * logged and skipped: rows are created only by the API (with a ticket and an idempotency key this
 * event does not carry), in the same transaction as the outbox row that led to the status, so an
 * unknown id is foreign data, not an ordering race.
 */
export function startStatusConsumer(ctx: ProjectorContext, opts: { topic: string; groupId: string } & Seams): Promise<RunningConsumer> {
  const decode = createValueDecoder(ctx.registry);
  return startExactlyOnceConsumer({
    ...ctx,
    ...opts,
    name: 'status',
    // chain_operations is for reading, not on the path from a request to its owner.
    pacing: 'background',
    decode: (m, partition) => {
      const context = { topic: opts.topic, partition, offset: m.offset };
      const v = decode(m.value, context);
      return v instanceof Promise ? v.then((x) => asOperationStatus(x, context)) : asOperationStatus(v, context);
    },
    apply: async (client, events) => {
      const { updated, unknown } = await applyStatusBatch(client, events);
      if (unknown.length) {
        ctx.metrics.skipped.inc({ consumer: 'status', reason: 'unknown_op' }, unknown.length);
        for (const e of unknown.slice(0, 10)) ctx.logger.warn({ opId: e.opId, mint: e.mint, state: e.state }, 'status for an unknown operation skipped');
      }
      return updated;
    },
  });
}
