// The Kafka side of the stream join: one consumer group on chain.ops.status and chain.ownership.
// Offsets are never committed: the state is rebuilt from offset zero at every start and every
// rebalance (the reducers are idempotent), so nothing is lost when the process dies.
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin, Consumer, EachBatchPayload } from 'kafkajs';
import { InvalidInputError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { createValueDecoder } from '../lib/registry-decoder.ts';
import { TOPICS } from '../lib/topics.ts';
import type { OwnershipEvent, StatusEvent } from './join.ts';
import type { JoinTopic, StreamState } from './stream-state.ts';

const TOPIC_OF: Record<string, JoinTopic> = { [TOPICS.opsStatus]: 'status', [TOPICS.ownership]: 'ownership' };

/** Plain values from a decoded Avro record (longs may arrive as numbers or strings). */
export function toStatusEvent(v: Record<string, unknown>): StatusEvent {
  return {
    opId: String(v.opId),
    idempotencyKey: String(v.idempotencyKey),
    mint: String(v.mint),
    type: v.type as StatusEvent['type'],
    state: v.state as StatusEvent['state'],
    expectedOwner: (v.expectedOwner as string | null) ?? null,
    attempt: Number(v.attempt),
    error: (v.error as string | null) ?? null,
    at: Number(v.at),
    // Absent in records written before re-requests existed (their writer schema has no such field).
    generation: v.generation == null ? 1 : Number(v.generation),
    errorKind: (v.errorKind as StatusEvent['errorKind']) ?? null,
  };
}

export function toOwnershipEvent(v: Record<string, unknown>): OwnershipEvent {
  return {
    mint: String(v.mint),
    owner: (v.owner as string | null) ?? null,
    tokenAccount: (v.tokenAccount as string | null) ?? null,
    amount: Number(v.amount),
    slot: Number(v.slot),
    commitment: v.commitment as OwnershipEvent['commitment'],
    observedAt: Number(v.observedAt),
  };
}

export async function runJoinConsumer(opts: {
  consumer: Consumer;
  admin: Admin;
  registry: SchemaRegistry;
  state: StreamState;
  logger: Logger;
  onPoison?: () => void;
}): Promise<void> {
  const { consumer, admin, registry, state, logger } = opts;
  const decode = createValueDecoder(registry);
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const assignment = e.payload.memberAssignment as Record<string, number[]>;
    const partitions = [...new Set(Object.values(assignment).flat())];
    state.assign(partitions);
    logger.info({ partitions }, 'partitions assigned; rebuilding the join from offset zero');
    // Partitions with no records never deliver a batch: they are caught up from the start.
    void (async () => {
      for (const topic of [TOPICS.opsStatus, TOPICS.ownership]) {
        for (const o of await admin.fetchTopicOffsets(topic)) {
          if ((assignment[topic] ?? []).includes(o.partition) && o.high === o.low) state.empty(TOPIC_OF[topic]!, o.partition);
        }
      }
    })().catch((err) => logger.error({ err }, 'could not read the topic offsets after a rebalance'));
  });
  await consumer.subscribe({ topics: [TOPICS.opsStatus, TOPICS.ownership], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, heartbeat, isRunning }: EachBatchPayload) => {
      const topic = TOPIC_OF[batch.topic]!;
      let i = 0;
      for (const message of batch.messages) {
        if (!isRunning()) return;
        // Rebuilding from offset zero, a batch is up to 1 MiB of records decoded without a pause
        // for the event loop: the session must outlast it (kafkajs sends only what is due).
        if (++i % 500 === 0) await heartbeat();
        if (message.value) {
          try {
            const v = (await decode(message.value, { topic: batch.topic, partition: batch.partition, offset: message.offset })) as Record<string, unknown>;
            if (topic === 'status') state.status(batch.partition, toStatusEvent(v));
            else state.ownership(batch.partition, toOwnershipEvent(v));
          } catch (err) {
            // A record that can never be read is skipped, never a reason to stop the partition. A
            // registry that is down is not the record's fault: the batch is read again (the
            // reducers are idempotent).
            if (!(err instanceof InvalidInputError)) throw err;
            opts.onPoison?.();
            logger.warn({ err, topic: batch.topic, partition: batch.partition, offset: message.offset }, 'undecodable record skipped');
          }
        }
        state.position(topic, batch.partition, BigInt(message.offset), BigInt(batch.highWatermark));
      }
      await heartbeat();
    },
  });
}
