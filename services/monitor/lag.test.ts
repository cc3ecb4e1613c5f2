import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { addSample, lagSeconds, type WatermarkSample } from './lag.ts';

/** Records arriving at increasing times, and the sampler reading the watermark at other times. */
const timelineArb = fc
  .record({
    arrivalGaps: fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 40 }),
    sampleGaps: fc.array(fc.integer({ min: 1, max: 7_000 }), { minLength: 1, maxLength: 40 }),
  })
  .map(({ arrivalGaps, sampleGaps }) => {
    const arrivals = arrivalGaps.reduce<number[]>((acc, g) => [...acc, (acc[acc.length - 1] ?? 0) + g], []);
    const sampleTimes = sampleGaps.reduce<number[]>((acc, g) => [...acc, (acc[acc.length - 1] ?? 0) + g], []);
    const samples = sampleTimes.map((atMs) => ({ atMs, high: arrivals.filter((a) => a <= atMs).length }));
    return { arrivals, samples };
  });

describe('lagSeconds', () => {
  test.prop([timelineArb, fc.nat(45), fc.nat(10_000)])(
    'is never more than the age of the oldest unconsumed record, and at most one sampling gap less',
    ({ arrivals, samples }, committedRaw, after) => {
      const latest = samples[samples.length - 1]!;
      const committed = Math.min(committedRaw, latest.high);
      const now = latest.atMs + after;
      const lag = lagSeconds(samples, committed, now);
      if (committed >= latest.high) {
        expect(lag).toBe(0);
        return;
      }
      const trueAge = (now - arrivals[committed]!) / 1000;
      expect(lag).toBeLessThanOrEqual(trueAge);
      // The sample before the first one that saw the record did not: it arrived after that sample.
      const firstSeen = samples.findIndex((s) => s.high > committed);
      if (firstSeen > 0) expect(trueAge - lag).toBeLessThanOrEqual((samples[firstSeen]!.atMs - samples[firstSeen - 1]!.atMs) / 1000);
    },
  );

  test.prop([timelineArb])('is 0 exactly when the group has consumed up to the latest watermark', ({ samples }) => {
    const latest = samples[samples.length - 1]!;
    expect(lagSeconds(samples, latest.high, latest.atMs + 1_000)).toBe(0);
    if (latest.high > 0) expect(lagSeconds(samples, latest.high - 1, latest.atMs + 1_000)).toBeGreaterThan(0);
  });
});

describe('addSample', () => {
  test.prop([timelineArb, fc.integer({ min: 1_000, max: 60_000 }), fc.nat(45)])(
    'pruning old samples changes no lag shorter than the kept window, and keeps longer ones at least that long',
    ({ samples }, keepMs, committedRaw) => {
      const pruned = samples.reduce<WatermarkSample[]>((kept, s) => addSample(kept, s, keepMs), []);
      const latest = samples[samples.length - 1]!;
      const committed = Math.min(committedRaw, latest.high);
      const full = lagSeconds(samples, committed, latest.atMs);
      const kept = lagSeconds(pruned, committed, latest.atMs);
      if (full < keepMs / 1000) expect(kept).toBe(full);
      else expect(kept).toBeGreaterThanOrEqual(keepMs / 1000);
      expect(pruned.length).toBeLessThanOrEqual(samples.length);
    },
  );
});
