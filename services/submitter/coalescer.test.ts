import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Coalescer } from './coalescer.ts';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Coalescer', () => {
  it('for any waves of calls: one flush at a time, every item once and in call order, each call gets its own result, a failed flush fails only its items', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Each wave: how many calls arrive together, whether they arrive while a flush runs, whether that flush fails.
        fc.array(fc.record({ calls: fc.integer({ min: 1, max: 6 }), duringFlush: fc.boolean(), fails: fc.boolean() }), { minLength: 1, maxLength: 8 }),
        async (waves) => {
          const flushed: number[][] = [];
          let active = 0;
          let maxActive = 0;
          let release: (() => void) | undefined;
          const failing = new Set<number>();
          const c = new Coalescer<number, string>(async (items) => {
            active++;
            maxActive = Math.max(maxActive, active);
            flushed.push(items);
            await new Promise<void>((resolve) => (release = resolve));
            active--;
            if (items.some((i) => failing.has(i))) throw new Error(`flush of ${items.join(',')} failed`);
            return items.map((i) => `r${i}`);
          });
          const outcomes: Array<Promise<{ item: number; ok: boolean; value: unknown }>> = [];
          let next = 0;
          for (const wave of waves) {
            if (!wave.duringFlush) {
              // Let everything queued so far flush and finish first.
              for (let i = 0; i < 50 && (active > 0 || flushed.flat().length < next); i++) {
                release?.();
                await turn();
              }
            }
            for (let k = 0; k < wave.calls; k++) {
              const item = next++;
              if (wave.fails) failing.add(item);
              outcomes.push(
                c.add(item).then(
                  (value) => ({ item, ok: true, value }),
                  (err: unknown) => ({ item, ok: false, value: err }),
                ),
              );
            }
          }
          for (let i = 0; i < 200 && flushed.flat().length < next; i++) {
            release?.();
            await turn();
          }
          release?.();
          const results = await Promise.all(outcomes);

          expect(maxActive).toBe(1);
          expect(flushed.flat()).toEqual(Array.from({ length: next }, (_, i) => i));
          for (const r of results) {
            const batch = flushed.find((b) => b.includes(r.item))!;
            if (batch.some((i) => failing.has(i))) expect(r.ok).toBe(false);
            else expect(r).toEqual({ item: r.item, ok: true, value: `r${r.item}` });
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('calls made together before a flush starts go in one flush', async () => {
    const flushed: number[][] = [];
    const c = new Coalescer<number, number>(async (items) => {
      flushed.push(items);
      return items;
    });
    await Promise.all([c.add(1), c.add(2), c.add(3)]);
    await Promise.all([c.add(4), c.add(5)]);
    expect(flushed).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('a flush that returns the wrong number of results fails its calls instead of resolving them with the wrong ones', async () => {
    const c = new Coalescer<number, number>(async (items) => items.slice(1));
    await expect(Promise.all([c.add(1), c.add(2)])).rejects.toThrow(/1 results for 2 items/);
  });
});
