import { fc, test } from '@fast-check/vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError, kafkaGroupSpec, loadConfig } from './config.ts';
import { whileHeartbeating } from './kafka.ts';

describe('kafkaGroupSpec', () => {
  it("defaults to the broker's minimum session and a heartbeat a sixth of it", () => {
    expect(loadConfig(kafkaGroupSpec, {})).toEqual({ KAFKA_SESSION_TIMEOUT_MS: 6_000, KAFKA_HEARTBEAT_INTERVAL_MS: 1_000 });
  });

  test.prop([fc.integer({ min: 1_000, max: 300_000 }), fc.integer({ min: 100, max: 100_000 })])(
    'accepts a heartbeat interval exactly when it is at most a third of the session',
    (session, heartbeat) => {
      const load = () => loadConfig(kafkaGroupSpec, { KAFKA_SESSION_TIMEOUT_MS: String(session), KAFKA_HEARTBEAT_INTERVAL_MS: String(heartbeat) });
      if (heartbeat * 3 <= session) expect(load()).toEqual({ KAFKA_SESSION_TIMEOUT_MS: session, KAFKA_HEARTBEAT_INTERVAL_MS: heartbeat });
      else expect(load).toThrow(ConfigError);
    },
  );
});

describe('whileHeartbeating', () => {
  it('heartbeats while the work waits, stops when it ends, and returns its result', async () => {
    let beats = 0;
    const result = await whileHeartbeating(
      async () => void beats++,
      async () => {
        await sleep(700);
        return 'done';
      },
    );
    expect(result).toBe('done');
    expect(beats).toBeGreaterThanOrEqual(2);
    const after = beats;
    await sleep(400);
    expect(beats).toBe(after);
  });

  it("leaves a failed heartbeat (a rebalance) to kafkajs and passes the work's own error on", async () => {
    const failing = async () => {
      throw new Error('The group is rebalancing');
    };
    expect(await whileHeartbeating(failing, async () => (await sleep(400), 1))).toBe(1);
    await expect(whileHeartbeating(failing, async () => Promise.reject(new Error('batch failed')))).rejects.toThrow('batch failed');
  });
});
