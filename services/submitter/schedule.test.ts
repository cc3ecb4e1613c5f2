import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { lostLeases, pickRunnable, type QueuedOp } from './schedule.ts';

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

describe('lostLeases', () => {
  const worker = (releasing = false) => ({ releasing });

  test('does not take a lease its worker released itself during the renewal for a lost one', () => {
    const finishing = worker(true);
    const finished = worker();
    const atRenewal = new Map([
      ['A', finishing],
      ['B', finished],
    ]);
    expect(lostLeases(atRenewal, new Set(), new Map([['A', finishing]]))).toEqual([]);
  });

  test('reports a lease not renewed while the same worker still runs on its mint', () => {
    const w = worker();
    expect(lostLeases(new Map([['A', w]]), new Set(), new Map([['A', w]]))).toEqual(['A']);
  });

  const workersArb = fc.dictionary(fc.constantFrom('A', 'B', 'C', 'D', 'E'), fc.boolean());
  test.prop([workersArb, fc.subarray(['A', 'B', 'C', 'D', 'E']), fc.subarray(['A', 'B', 'C', 'D', 'E']), fc.subarray(['A', 'B', 'C', 'D', 'E'])])(
    'a mint is lost exactly when it was not renewed and the worker of the renewal still runs it, not releasing',
    (releasingByMint, renewedList, goneList, replacedList) => {
      const atRenewal = new Map(Object.entries(releasingByMint).map(([m, releasing]) => [m, worker(releasing)]));
      const now = new Map([...atRenewal].filter(([m]) => !goneList.includes(m)).map(([m, w]) => [m, replacedList.includes(m) ? worker() : w]));
      const lost = new Set(lostLeases(atRenewal, new Set(renewedList), now));
      for (const [m, w] of atRenewal) {
        const stillSame = !goneList.includes(m) && !replacedList.includes(m);
        expect(lost.has(m)).toBe(!renewedList.includes(m) && stillSame && !w.releasing);
      }
      for (const m of lost) expect(atRenewal.has(m)).toBe(true);
    },
  );
});
