import { fc, test } from '@fast-check/vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError, commonSpec, kafkaGroupSpec, loadConfig } from './config.ts';
import { kafkaSecurity, whileHeartbeating } from './kafka.ts';

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

describe('kafkaSecurity', () => {
  const read = (path: string) => `PEM of ${path}`;

  it('is plain by default, TLS with the system CAs or a given CA, and SASL with its credentials', () => {
    expect(kafkaSecurity({}, read)).toEqual({});
    expect(kafkaSecurity({ KAFKA_SSL: true, KAFKA_SSL_CA_PATH: '' }, read)).toEqual({ ssl: true });
    expect(kafkaSecurity({ KAFKA_SSL: true, KAFKA_SSL_CA_PATH: '/ca.pem' }, read)).toEqual({ ssl: { ca: ['PEM of /ca.pem'] } });
    expect(kafkaSecurity({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, read)).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
  });

  it('refuses at start a SASL mechanism without credentials, an unknown one, and a registry user without a password', () => {
    const base = { DATABASE_URL: 'postgres://x@h/db', KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r' };
    const problems = (extra: Record<string, string>) => {
      try {
        loadConfig(commonSpec, { ...base, ...extra });
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ KAFKA_SASL_MECHANISM: 'plain' })).toEqual([expect.stringMatching(/KAFKA_SASL_MECHANISM: needs KAFKA_SASL_USERNAME/)]);
    expect(problems({ KAFKA_SASL_MECHANISM: 'gssapi' })).toEqual([expect.stringMatching(/KAFKA_SASL_MECHANISM="gssapi" is invalid/)]);
    expect(problems({ SCHEMA_REGISTRY_USERNAME: 'u' })).toEqual([expect.stringMatching(/SCHEMA_REGISTRY_PASSWORD: needed/)]);
    expect(problems({ KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toEqual([]);
  });
});
