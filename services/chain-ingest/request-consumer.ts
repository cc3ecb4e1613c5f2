// Mints the platform has asked for (chain.ops.requested, type mint) are followed before they
// land, so the stream's confirmed notification of the new token account is published at once
// instead of after the submitter's status event round trip and a re-read. A request that never
// lands costs only a tracked address; the status consumer stays as the fallback for a mint whose
// notification came before its request was read here.
import type { Consumer, Kafka } from 'kafkajs';
import { failOnDeadConsumer } from '../lib/dead-consumer.ts';
import { FETCH_PACING } from '../lib/kafka.ts';
import type { Logger } from '../lib/logger.ts';
import { TOPICS } from '../lib/topics.ts';
import { isMintAddress } from '../lib/solana/mint-address.ts';

/** The mint a chain.ops.requested value asks to create, if it is a well-formed mint request. Pure. */
export function requestedMint(raw: string | null): string | undefined {
  if (raw === null) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { type, mint } = v as Record<string, unknown>;
  return type === 'mint' && typeof mint === 'string' && isMintAddress(mint) ? mint : undefined;
}

export async function startRequestConsumer(opts: {
  kafka: Kafka;
  groupId: string;
  logger: Logger;
  expect: (mints: string[]) => void;
  onDead?: (err: unknown) => void;
}): Promise<Consumer> {
  const consumer = opts.kafka.consumer({ groupId: opts.groupId, ...FETCH_PACING.background });
  failOnDeadConsumer(consumer, { name: 'requests', logger: opts.logger, onDead: opts.onDead });
  await consumer.connect();
  // A new group starts at the end: mints requested before it are either confirmed by now (the
  // status consumer and the topic cover them) or still to be confirmed (the status consumer).
  await consumer.subscribe({ topic: TOPICS.opsRequested, fromBeginning: false });
  await consumer.run({
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      const mints = new Set<string>();
      for (const m of batch.messages) {
        // Malformed requests are the submitter's to dead-letter; here they are simply not mints.
        const mint = requestedMint(m.value === null ? null : m.value.toString('utf8'));
        if (mint) mints.add(mint);
      }
      if (mints.size > 0) opts.expect([...mints]);
      for (const m of batch.messages) resolveOffset(m.offset);
      await heartbeat();
    },
  });
  return consumer;
}
