import type { Admin, Consumer, EachBatchPayload } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { unreachableRegistry } from '../../test/support/unreachable-registry.ts';
import { createLogger } from '../lib/logger.ts';
import { TOPICS } from '../lib/topics.ts';
import { runJoinConsumer } from './consumer.ts';
import { StreamState } from './stream-state.ts';

describe('the join consumer', () => {
  it('reads a batch again while the registry is down instead of skipping its records as undecodable (they were lost until the next rebalance)', async () => {
    let eachBatch: ((p: EachBatchPayload) => Promise<void>) | undefined;
    const consumer = {
      on: () => () => undefined,
      events: { GROUP_JOIN: 'group_join' },
      subscribe: async () => undefined,
      run: async (o: { eachBatch: typeof eachBatch }) => void (eachBatch = o.eachBatch),
    } as unknown as Consumer;
    let poison = 0;
    await runJoinConsumer({
      consumer,
      admin: {} as Admin,
      registry: await unreachableRegistry(),
      state: new StreamState(),
      logger: createLogger('test', { level: 'silent' }),
      onPoison: () => poison++,
    });
    const value = Buffer.from([0, 0, 0, 0, 2, 1, 2, 3]);
    const batch = { topic: TOPICS.opsStatus, partition: 0, highWatermark: '1', messages: [{ offset: '0', value }] };
    const payload = { batch, heartbeat: async () => undefined, isRunning: () => true } as unknown as EachBatchPayload;
    await expect(eachBatch!(payload)).rejects.toThrow(/schema registry unavailable/);
    expect(poison).toBe(0);
  });
});
