import { fc } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv } from '../../test/support/stack-env.ts';
import { withTransaction } from '../lib/db.ts';
import { createPrivateTarget, ownershipChange, projectorTestContext, readTable } from '../../test/support/projector.ts';
import { reduceOwnership, toRow, type OwnerChange, type OwnershipRow } from './ownership-reducer.ts';
import { applyOwnershipBatch, upsertOwnership } from './ownership-store.ts';
import { randomHex } from '../../test/support/random.ts';

// The property of ownership-reducer.test.ts, through the real SQL: any interleaving, duplication
// or reordering gives, per mint, the owner at the highest slot; and the writes (COPY for new
// mints and the audit trail, the guarded upsert for stored ones, tickets) are what the pure
// reducer decided.
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
  .map((xs) =>
    xs.flatMap((x) => {
      const c = ownershipChange(x.mint, x.slot, x.slot % 7 === 0 ? null : `w-${x.mint}-${x.slot}`, x.finalized ? 'finalized' : 'confirmed');
      return x.dup ? [c, { ...c, commitment: 'confirmed' as const }] : [c];
    }),
  )
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

  it("batches through applyOwnershipBatch, cut anywhere, give the reducer's table, audit trail and tickets", async () => {
    // Private mints with ticket rows, so the statement's tickets update has rows to move.
    const run = randomHex(4);
    const mintOf = (m: string) => `${m}-${run}`;
    const ticketIds = ['mintA', 'mintB', 'mintC'].map((m) => `sqltest-${run}-${m}`);
    const resetTickets = () =>
      ctx.pool.query(
        `INSERT INTO tickets (id, event_id, mint_address, status) SELECT id, 'projector-sql-test', m, 'mint_requested' FROM unnest($1::text[], $2::text[]) AS u(id, m)
         ON CONFLICT (id) DO UPDATE SET owner_wallet = NULL, status = 'mint_requested'`,
        [ticketIds, ['mintA', 'mintB', 'mintC'].map(mintOf)],
      );
    try {
      await fc.assert(
        fc.asyncProperty(deliveryArb, async ([delivered, cuts]) => {
          const records = delivered.map((r) => ({ ...r, mint: mintOf(r.mint) }));
          await ctx.pool.query(`TRUNCATE ${target.table}, ${target.audit}`);
          await resetTickets();
          const live = { ...target, tickets: true };
          const points = [...new Set([0, ...cuts.map((c) => Math.min(c, records.length)), records.length])].sort((a, b) => a - b);
          // The model: the pure reducer over the same batches, rows stored between them.
          const model = new Map<string, OwnershipRow>();
          const trail: OwnerChange[] = [];
          const tickets = new Map<string, { owner: string | null; status: string }>();
          for (let i = 1; i < points.length; i++) {
            const batch = records.slice(points[i - 1], points[i]);
            if (!batch.length) continue;
            const written = await withTransaction(ctx.pool, (client) => applyOwnershipBatch(client, live, batch));
            const outcome = reduceOwnership(new Map([...model].filter(([m]) => batch.some((c) => c.mint === m))), batch);
            expect(written).toBe(outcome.rows.size);
            for (const [m, row] of outcome.rows) model.set(m, row);
            trail.push(...outcome.ownerChanges);
            for (const [m, t] of outcome.tickets) tickets.set(m, t);
          }
          const rows = await readTable(ctx.pool, target.table);
          expect(rows.size).toBe(model.size);
          for (const [mint, w] of expected(records)) expect(rows.get(mint)).toMatchObject(w);
          for (const [mint, m] of model) {
            expect(rows.get(mint)).toMatchObject({ owner: m.owner, token_account: m.tokenAccount, slot: String(m.slot), commitment: m.commitment });
            expect(rows.get(mint)!.updated_at.getTime()).toBe(m.updatedAt);
          }
          const { rows: audit } = await ctx.pool.query<{ mint: string; old_owner: string | null; new_owner: string | null; slot: string; observed_at: Date }>(
            `SELECT mint, old_owner, new_owner, slot, observed_at FROM ${target.audit} ORDER BY id`,
          );
          expect(
            audit.map((a) => ({ mint: a.mint, oldOwner: a.old_owner, newOwner: a.new_owner, slot: Number(a.slot), observedAt: a.observed_at.getTime() })),
          ).toEqual(trail);
          const { rows: stored } = await ctx.pool.query<{ mint_address: string; owner_wallet: string | null; status: string }>(
            'SELECT mint_address, owner_wallet, status FROM tickets WHERE id = ANY($1)',
            [ticketIds],
          );
          for (const t of stored)
            expect({ owner: t.owner_wallet, status: t.status }).toEqual(tickets.get(t.mint_address) ?? { owner: null, status: 'mint_requested' });
        }),
        { numRuns: 25 },
      );
    } finally {
      await ctx.pool.query('DELETE FROM tickets WHERE id = ANY($1)', [ticketIds]);
    }
  });

  it('values with tabs, line breaks and backslashes go through COPY unchanged', async () => {
    await ctx.pool.query(`TRUNCATE ${target.table}, ${target.audit}`);
    const odd = 'w\tith\nbreaks\r\\N and \\ backslashes';
    const mint = `odd\t${randomHex(4)}\\`;
    await withTransaction(ctx.pool, (client) => applyOwnershipBatch(client, target, [{ ...ownershipChange(mint, 3, odd), tokenAccount: `${odd}\n` }]));
    expect((await readTable(ctx.pool, target.table)).get(mint)).toMatchObject({ owner: odd, token_account: `${odd}\n`, slot: '3' });
    const { rows } = await ctx.pool.query(`SELECT mint, old_owner, new_owner FROM ${target.audit}`);
    expect(rows).toEqual([{ mint, old_owner: null, new_owner: odd }]);
  });
});
