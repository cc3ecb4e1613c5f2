import { fc } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv } from '../../test/helpers/stack-env.ts';
import { withTransaction } from '../lib/db.ts';
import { createPrivateTarget, ownershipChange, projectorTestContext, readTable } from './int-support.ts';
import { toRow } from './ownership-reducer.ts';
import { applyOwnershipBatch, upsertOwnership } from './ownership-store.ts';

// The property of ownership-reducer.test.ts, through the real SQL: any interleaving, duplication
// or reordering gives, per mint, the owner at the highest slot.
const ctx = projectorTestContext(stackEnv());
let target: Awaited<ReturnType<typeof createPrivateTarget>>;

beforeAll(async () => {
  target = await createPrivateTarget(ctx.pool, false);
});
afterAll(async () => {
  await target.drop();
  await ctx.close();
});

const deliveryArb = fc
  .array(
    fc.record({
      mint: fc.constantFrom('mintA', 'mintB', 'mintC'),
      slot: fc.integer({ min: 0, max: 50 }),
      finalized: fc.boolean(),
      dup: fc.boolean(),
    }),
    { minLength: 1, maxLength: 40 },
  )
  // One owner per (mint, slot), as on the chain; the owner is derived from both.
  .map((xs) => xs.flatMap((x) => {
    const c = ownershipChange(x.mint, x.slot, x.slot % 7 === 0 ? null : `w-${x.mint}-${x.slot}`, x.finalized ? 'finalized' : 'confirmed');
    return x.dup ? [c, { ...c, commitment: 'confirmed' as const }] : [c];
  }))
  .chain((records) => fc.tuple(fc.shuffledSubarray(records, { minLength: records.length }), fc.array(fc.nat({ max: 40 }), { maxLength: 5 })));

function expected(records: ReturnType<typeof ownershipChange>[]) {
  const out = new Map<string, { owner: string | null; slot: string; commitment: string }>();
  for (const r of records) {
    const cur = out.get(r.mint);
    if (!cur || r.slot > Number(cur.slot)) out.set(r.mint, { owner: r.owner, slot: String(r.slot), commitment: r.commitment });
    else if (r.slot === Number(cur.slot) && r.commitment === 'finalized') cur.commitment = 'finalized';
  }
  return out;
}

describe('ownership SQL on the real database', () => {
  it('the upsert guard alone, one record per statement in any order, keeps the highest slot', async () => {
    await fc.assert(
      fc.asyncProperty(deliveryArb, async ([records]) => {
        await ctx.pool.query(`TRUNCATE ${target.table}`);
        for (const r of records) await upsertOwnership(ctx.pool, target.table, [toRow(r)]);
        const rows = await readTable(ctx.pool, target.table);
        for (const [mint, want] of expected(records)) expect(rows.get(mint)).toMatchObject(want);
      }),
      { numRuns: 15 },
    );
  });

  it('batches through applyOwnershipBatch, cut anywhere, give the same table', async () => {
    await fc.assert(
      fc.asyncProperty(deliveryArb, async ([records, cuts]) => {
        await ctx.pool.query(`TRUNCATE ${target.table}, ${target.audit}`);
        const points = [...new Set([0, ...cuts.map((c) => Math.min(c, records.length)), records.length])].sort((a, b) => a - b);
        for (let i = 1; i < points.length; i++) {
          const batch = records.slice(points[i - 1], points[i]);
          if (batch.length) await withTransaction(ctx.pool, (client) => applyOwnershipBatch(client, target, batch));
        }
        const rows = await readTable(ctx.pool, target.table);
        const want = expected(records);
        expect(rows.size).toBe(want.size);
        for (const [mint, w] of want) expect(rows.get(mint)).toMatchObject(w);
      }),
      { numRuns: 15 },
    );
  });
});
