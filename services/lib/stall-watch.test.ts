import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { classifyStall, watchStalls } from './stall-watch.ts';

const stretch = fc
  .record({
    blockedMs: fc.integer({ min: 1, max: 60_000 }),
    cpuShare: fc.double({ min: 0, max: 2, noNaN: true }),
    gcShare: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ blockedMs, cpuShare, gcShare }) => {
    const gcMs = Math.floor(blockedMs * gcShare);
    // A GC pause is CPU time too (and parallel collection can use more than the wall time).
    return { blockedMs, gcMs, cpuMs: gcMs + Math.floor(blockedMs * cpuShare) };
  });

describe('classifyStall', () => {
  test.prop([stretch])('a stall at least half collection is gc; without collection, busy exactly when CPU covered half of it', (s) => {
    const cause = classifyStall(s);
    if (s.gcMs * 2 >= s.blockedMs) expect(cause).toBe('gc');
    else expect(cause).not.toBe('gc');
    if (s.gcMs === 0) expect(cause).toBe(s.cpuMs * 2 >= s.blockedMs ? 'busy' : 'waiting');
  });

  test.prop([stretch, fc.integer({ min: 0, max: 60_000 })])('more CPU in the same stall never turns busy into waiting', (s, more) => {
    const before = classifyStall(s);
    const after = classifyStall({ ...s, cpuMs: s.cpuMs + more });
    if (before === 'busy') expect(after).toBe('busy');
    if (before === 'gc') expect(after).toBe('gc');
  });
});

describe('watchStalls', () => {
  const collect = () => {
    const warnings: Array<{ fields: Record<string, unknown>; msg: string }> = [];
    const logger = { warn: (fields: Record<string, unknown>, msg: string) => void warnings.push({ fields, msg }) };
    return { warnings, logger: logger as unknown as Parameters<typeof watchStalls>[0] };
  };
  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const cpuUsage = () => process.cpuUsage();

  it('reports a synchronous computation as busy and a synchronous wait as waiting; quiet ticks report nothing', async () => {
    const { warnings, logger } = collect();
    const stop = watchStalls(logger, { cpuUsage, tickMs: 20, thresholdMs: 200 });
    try {
      await settle(150);
      expect(warnings).toEqual([]);

      const spinUntil = performance.now() + 400;
      while (performance.now() < spinUntil);
      await settle(100);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toBe('event loop stalled');
      expect(warnings[0]!.fields).toMatchObject({ cause: 'busy' });
      expect(warnings[0]!.fields.blockedMs as number).toBeGreaterThanOrEqual(300);

      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
      await settle(100);
      expect(warnings).toHaveLength(2);
      expect(warnings[1]!.fields).toMatchObject({ cause: 'waiting' });
      expect(warnings[1]!.fields.cpuMs as number).toBeLessThan(200);
    } finally {
      stop();
    }
  });
});
