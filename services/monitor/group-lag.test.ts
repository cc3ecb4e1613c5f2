import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { groupLags, partitionKey, syncLagSeconds } from './group-lag.ts';

describe('groupLags', () => {
  test.prop([fc.nat(1_000), fc.nat(1_000), fc.integer({ min: -1, max: 2_000 })])(
    'counts the records between the commit (or the low watermark) and the high watermark, never below zero',
    (low, extra, committed) => {
      const high = low + extra;
      const [lag] = groupLags([{ group: 'g', topic: 't', partition: 0, committed }], [{ topic: 't', partition: 0, low, high }], new Map(), 0);
      const from = committed < 0 ? low : Math.max(committed, low);
      expect(lag!.records).toBe(Math.max(0, high - from));
      expect(lag!.records).toBeGreaterThanOrEqual(0);
    },
  );

  it('dates the lag from the watermark history of the partition', () => {
    const history = new Map([
      [
        partitionKey('t', 0),
        [
          { atMs: 0, high: 10 },
          { atMs: 10_000, high: 12 },
        ],
      ],
    ]);
    const [lag] = groupLags([{ group: 'g', topic: 't', partition: 0, committed: 10 }], [{ topic: 't', partition: 0, low: 0, high: 12 }], history, 70_000);
    expect(lag).toEqual({ group: 'g', topic: 't', partition: 0, records: 2, seconds: 60 });
  });
});

describe('syncLagSeconds', () => {
  it('is the largest lag of the named groups only', () => {
    const lags = [
      { group: 'a', topic: 't', partition: 0, records: 1, seconds: 5 },
      { group: 'b', topic: 't', partition: 0, records: 9, seconds: 500 },
      { group: 'a', topic: 't', partition: 1, records: 1, seconds: 7 },
    ];
    expect(syncLagSeconds(lags, ['a'])).toBe(7);
    expect(syncLagSeconds(lags, ['c'])).toBe(0);
  });
});
