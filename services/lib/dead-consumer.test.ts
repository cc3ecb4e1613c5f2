import { EventEmitter } from 'node:events';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { type DeadConsumerError, failOnDeadConsumer } from './dead-consumer.ts';
import { silentLogger } from './logger.ts';

const EVENTS = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' } as const;

/** The two kafkajs consumer events the watch listens to, sent by hand. */
function fakeConsumer() {
  const emitter = new EventEmitter();
  const consumer = { events: EVENTS, on: (event: string, fn: (e: unknown) => void) => emitter.on(event, fn) } as unknown as Parameters<
    typeof failOnDeadConsumer
  >[0];
  return {
    consumer,
    join: () => emitter.emit(EVENTS.GROUP_JOIN, { payload: {} }),
    crash: (restart: boolean) => emitter.emit(EVENTS.CRASH, { payload: { error: new Error('boom'), groupId: 'g', restart } }),
  };
}

function watched(limit = 3) {
  const c = fakeConsumer();
  const deaths: DeadConsumerError[] = [];
  const watch = failOnDeadConsumer(c.consumer, { name: 'orders', logger: silentLogger(), onDead: (e) => deaths.push(e), restartsWithoutJoin: limit });
  return { ...c, deaths, watch };
}

describe('failOnDeadConsumer', () => {
  it('reports a crash kafkajs will not restart at once, with the cause', () => {
    const w = watched();
    w.crash(false);
    expect(w.watch.dead()).toBe(true);
    expect(w.deaths).toHaveLength(1);
    expect(w.deaths[0]!.message).toBe('consumer orders (group g) is dead: kafkajs will not restart it');
    expect((w.deaths[0]!.cause as Error).message).toBe('boom');
  });

  it('leaves a consumer kafkajs restarts alone until it has restarted the limit in a row without rejoining', () => {
    const w = watched(3);
    w.crash(true);
    w.crash(true);
    expect(w.deaths).toEqual([]);
    w.crash(true);
    expect(w.deaths.map((d) => d.message)).toEqual(['consumer orders (group g) is dead: restarted 3 times without getting back into its group']);
  });

  test.prop([fc.array(fc.constantFrom('join', 'restart', 'fatal'), { maxLength: 40 })])(
    'is dead exactly when kafkajs gave up or the limit of restarts ran out between joins, and says so once',
    (events) => {
      const w = watched(3);
      let run = 0;
      let dead = false;
      for (const e of events) {
        if (e === 'join') w.join();
        else w.crash(e === 'restart');
        if (e === 'join') run = 0;
        else if (e === 'fatal' || ++run >= 3) dead = true;
      }
      expect(w.watch.dead()).toBe(dead);
      expect(w.deaths).toHaveLength(dead ? 1 : 0);
    },
  );
});
