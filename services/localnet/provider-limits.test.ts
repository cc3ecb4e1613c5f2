import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { AccountFilter } from './filters.ts';
import {
  ClientRateLimiter,
  clientOf,
  KEY_EXCLUDED_FROM_SECONDARY_INDEXES,
  multipleAccountsRefusal,
  PUBLIC_PROVIDER_LIMITS as limits,
  scanRefusal,
  subscriptionRefusal,
} from './provider-limits.ts';
import { TOKEN_2022_PROGRAM, TOKEN_PROGRAM } from './token.ts';

const key = new Uint8Array(32).fill(7);
const memcmp = (offset: number, bytes = key): AccountFilter => ({ kind: 'memcmp', offset, bytes });
const filter = fc.oneof(
  fc.record({ kind: fc.constant('dataSize' as const), size: fc.constantFrom(82, 165) }),
  fc.record({ kind: fc.constant('memcmp' as const), offset: fc.integer({ min: 0, max: 100 }), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
);

describe('a hosted provider’s limits', () => {
  it('refuses a Token program scan filtered by size only, with the error a node gives for an excluded key', () => {
    const refusal = scanRefusal(limits, TOKEN_PROGRAM, [{ kind: 'dataSize', size: 165 }]);
    expect(refusal?.code).toBe(KEY_EXCLUDED_FROM_SECONDARY_INDEXES);
    expect(refusal?.message).toBe(`${TOKEN_PROGRAM} excluded from account secondary indexes; this RPC method unavailable for key`);
    expect(scanRefusal(limits, TOKEN_2022_PROGRAM, [])).not.toBeNull();
  });

  it('serves a Token program scan by mint or by owner, and any other program unfiltered', () => {
    expect(scanRefusal(limits, TOKEN_PROGRAM, [{ kind: 'dataSize', size: 165 }, memcmp(0)])).toBeNull();
    expect(scanRefusal(limits, TOKEN_PROGRAM, [memcmp(32)])).toBeNull();
    expect(scanRefusal(limits, '11111111111111111111111111111111', [])).toBeNull();
  });

  test.prop([fc.array(filter, { maxLength: 4 })])('serves a guarded scan exactly when a filter names 32 bytes at offset 0 or 32', (filters) => {
    const served = filters.some((f) => f.kind === 'memcmp' && (f.offset === 0 || f.offset === 32) && f.bytes.length === 32);
    expect(scanRefusal(limits, TOKEN_PROGRAM, filters) === null).toBe(served);
  });

  it('refuses more than 100 keys per getMultipleAccounts and more subscriptions than a connection may hold', () => {
    expect(multipleAccountsRefusal(limits, 100)).toBeNull();
    expect(multipleAccountsRefusal(limits, 101)?.message).toBe('Too many inputs provided; max 100');
    expect(subscriptionRefusal(limits, limits.subscriptionsPerConnection - 1)).toBeNull();
    expect(subscriptionRefusal(limits, limits.subscriptionsPerConnection)).not.toBeNull();
  });

  test.prop([fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 200 })])(
    'lets through no more than the burst plus the rate over the time elapsed, per client',
    (rate, burst, gaps) => {
      const limiter = new ClientRateLimiter({ requestsPerSecond: rate, burst });
      let now = 0;
      let served = 0;
      for (const gap of gaps) {
        now += gap;
        const wait = limiter.take('a', now);
        if (wait === 0) served++;
        else expect(wait).toBeGreaterThanOrEqual(1);
      }
      expect(served).toBeLessThanOrEqual(burst + (now / 1000) * rate + 1e-9);
      // Another client has its own bucket.
      expect(limiter.take('b', now)).toBe(0);
    },
  );

  it('counts a request against its api key, else its address', () => {
    expect(clientOf('/?api-key=ingest', '127.0.0.1')).toBe('key:ingest');
    expect(clientOf('/', '127.0.0.1')).toBe('addr:127.0.0.1');
  });
});
