import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { pickRunnable, type QueuedOp } from './schedule.ts';

const opsArb = fc.array(fc.record({ mint: fc.constantFrom('A', 'B', 'C', 'D', 'E'), active: fc.boolean() }), { maxLength: 40 }).chain((ops) =>
  fc.shuffledSubarray(
    ops.map((o, i) => ({ ...o, opId: `op${i}`, seq: i })),
    { minLength: ops.length, maxLength: ops.length },
  ),
);

describe('pickRunnable', () => {
  test.prop([opsArb, fc.subarray(['A', 'B', 'C', 'D', 'E']), fc.integer({ min: 0, max: 8 })])(
    'per mint only the oldest active op, at most one per mint, never a running mint, within capacity',
    (ops: QueuedOp[], runningList, capacity) => {
      const running = new Set(runningList);
      const picked = pickRunnable(ops, running, capacity);
      expect(picked.length).toBeLessThanOrEqual(Math.max(0, capacity - running.size));
      expect(new Set(picked.map((p) => p.mint)).size).toBe(picked.length);
      for (const p of picked) {
        expect(running.has(p.mint)).toBe(false);
        expect(p.active).toBe(true);
        const earlier = ops.filter((o) => o.mint === p.mint && o.active && o.seq < p.seq);
        expect(earlier).toEqual([]);
      }
    },
  );

  test.prop([opsArb])('with room for all, every mint with active work gets its head started (no starvation)', (ops: QueuedOp[]) => {
    const picked = pickRunnable(ops, new Set(), 100);
    const mintsWithWork = new Set(ops.filter((o) => o.active).map((o) => o.mint));
    expect(new Set(picked.map((p) => p.mint))).toEqual(mintsWithWork);
  });

  test.prop([opsArb, fc.integer({ min: 1, max: 3 })])('the input order does not matter, only seq', (ops: QueuedOp[], cap) => {
    expect(pickRunnable([...ops].reverse(), new Set(), cap)).toEqual(pickRunnable(ops, new Set(), cap));
  });
});
