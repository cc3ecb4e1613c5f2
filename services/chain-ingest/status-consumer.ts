// Mints confirmed by the submitter (chain.ops.status) join the tracked set. The offset moves on
// only after the mint was read and published, so a crash in between re-reads the status event.
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Consumer, Kafka } from 'kafkajs';
import { failOnDeadConsumer } from '../lib/dead-consumer.ts';
import { InvalidInputError } from '../lib/errors.ts';
import { FETCH_PACING, whileHeartbeating } from '../lib/kafka.ts';
import type { Logger } from '../lib/logger.ts';
import type { OperationStatus } from '../lib/records.ts';
import { createValueDecoder } from '../lib/registry-decoder.ts';
import { TOPICS } from '../lib/topics.ts';
import { isMintAddress } from '../lib/solana/mint-address.ts';

/** Which status events make a mint worth following. Pure. */
export const confirmsMint = (s: Pick<OperationStatus, 'type' | 'state'>) => s.type === 'mint' && (s.state === 'confirmed' || s.state === 'finalized');

export async function startStatusConsumer(opts: {
  kafka: Kafka;
  registry: SchemaRegistry;
  groupId: string;
  logger: Logger;
  track: (mints: string[]) => Promise<void>;
  onDead?: (err: unknown) => void;
}): Promise<Consumer> {
  const decode = createValueDecoder(opts.registry);
  const consumer = opts.kafka.consumer({ groupId: opts.groupId, ...FETCH_PACING.background });
  failOnDeadConsumer(consumer, { name: 'status', logger: opts.logger, onDead: opts.onDead });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.opsStatus, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      const mints = new Set<string>();
      for (const m of batch.messages) {
        if (!m.value) continue;
        try {
          const s = (await decode(m.value, { partition: batch.partition, offset: m.offset })) as OperationStatus;
          if (confirmsMint(s) && isMintAddress(s.mint)) mints.add(s.mint);
        } catch (err) {
          // A poison record must not stop the partition; the submitter owns this topic and its
          // dead letters, so ingest only says what it skipped. A registry that is down is not
          // the record's fault: the batch is read again, or a confirmed mint would go untracked.
          if (!(err instanceof InvalidInputError)) throw err;
          opts.logger.warn({ err, partition: batch.partition, offset: m.offset }, 'undecodable status event skipped');
        }
      }
      // Tracking reads the new mints from the chain: an RPC that is slow or failing over must not cost the session.
      if (mints.size > 0) await whileHeartbeating(heartbeat, () => opts.track([...mints]));
      for (const m of batch.messages) resolveOffset(m.offset);
      await heartbeat();
    },
  });
  return consumer;
}
