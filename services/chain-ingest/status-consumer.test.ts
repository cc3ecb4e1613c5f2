import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { unreachableRegistry } from '../../test/support/unreachable-registry.ts';
import { createLogger } from '../lib/logger.ts';
import { startStatusConsumer } from './status-consumer.ts';

describe('the status consumer', () => {
  it('reads a batch again while the registry is down instead of skipping it (a confirmed mint would never be tracked)', async () => {
    let eachBatch: ((p: EachBatchPayload) => Promise<void>) | undefined;
    const consumer = {
      on: () => () => undefined,
      events: {},
      connect: async () => undefined,
      subscribe: async () => undefined,
      run: async (o: { eachBatch: typeof eachBatch }) => void (eachBatch = o.eachBatch),
    } as unknown as Consumer;
    const tracked: string[][] = [];
    await startStatusConsumer({
      kafka: { consumer: () => consumer } as unknown as Kafka,
      registry: await unreachableRegistry(),
      groupId: 'g',
      logger: createLogger('test', { level: 'silent' }),
      track: async (mints) => void tracked.push(mints),
    });
    const resolved: string[] = [];
    const batch = { partition: 0, messages: [{ offset: '0', value: Buffer.from([0, 0, 0, 0, 2, 1, 2, 3]) }] };
    const payload = { batch, resolveOffset: (o: string) => resolved.push(o), heartbeat: async () => undefined } as unknown as EachBatchPayload;
    await expect(eachBatch!(payload)).rejects.toThrow(/schema registry unavailable/);
    expect(resolved).toEqual([]);
  });
});
