import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { reduceOwnership, supersedes, type OwnershipChange, type OwnershipRow } from './ownership-reducer.ts';

const change = (mint: string, slot: number, owner: string | null, commitment: 'confirmed' | 'finalized' = 'confirmed'): OwnershipChange => ({
  mint,
  owner,
  tokenAccount: owner === null ? null : `ta-${owner}`,
  amount: owner === null ? 0 : 1,
  slot,
  commitment,
  source: 'stream',
  observedAt: 1_700_000_000_000 + slot,
});

/**
 * A chain history per mint: increasing slots, one owner per slot (null = burned). Each slot is
 * published at confirmed, and possibly again at finalized, with the same owner.
 */
const historyArb = fc
  .uniqueArray(fc.constantFrom('mintA', 'mintB', 'mintC', 'mintD'), { minLength: 1, maxLength: 4 })
  .chain((mints) =>
    fc.tuple(
      ...mints.map((mint) =>
        fc
          .uniqueArray(fc.record({ slot: fc.integer({ min: 0, max: 1_000 }), owner: fc.constantFrom('w1', 'w2', 'w3', null), finalized: fc.boolean() }), {
            minLength: 1,
            maxLength: 8,
            selector: (r) => r.slot,
          })
          .map((slots) => slots.flatMap((s) => [change(mint, s.slot, s.owner), ...(s.finalized ? [change(mint, s.slot, s.owner, 'finalized')] : [])])),
      ),
    ),
  )
  .map((perMint) => perMint.flat());

/** Any interleaving of the history with duplicates: a shuffled multiset of its records. */
const deliveryArb = historyArb.chain((records) =>
  fc
    .tuple(fc.shuffledSubarray(records, { minLength: 0 }), fc.constant(records))
    .chain(([dups, all]) => fc.shuffledSubarray([...all, ...dups], { minLength: all.length + dups.length })),
);

function expected(records: readonly OwnershipChange[]): Map<string, { owner: string | null; slot: number; finalized: boolean }> {
  const out = new Map<string, { owner: string | null; slot: number; finalized: boolean }>();
  for (const r of records) {
    const cur = out.get(r.mint);
    if (!cur || r.slot > cur.slot) out.set(r.mint, { owner: r.owner, slot: r.slot, finalized: r.commitment === 'finalized' });
    else if (r.slot === cur.slot && r.commitment === 'finalized') cur.finalized = true;
  }
  return out;
}

function chunks<T>(items: readonly T[], cuts: readonly number[]): T[][] {
  const points = [...new Set(cuts.map((c) => c % (items.length + 1)))].sort((a, b) => a - b);
  const out: T[][] = [];
  let start = 0;
  for (const p of [...points, items.length]) {
    out.push(items.slice(start, p));
    start = p;
  }
  return out;
}

/** Applies batches one after another, as the projector does with rows stored between them. */
function applyInBatches(batches: readonly OwnershipChange[][]) {
  const table = new Map<string, OwnershipRow>();
  const ownerChanges = [];
  for (const batch of batches) {
    const current = new Map([...table].filter(([mint]) => batch.some((c) => c.mint === mint)));
    const outcome = reduceOwnership(current, batch);
    for (const [mint, row] of outcome.rows) table.set(mint, row);
    ownerChanges.push(...outcome.ownerChanges);
  }
  return { table, ownerChanges };
}

describe('reduceOwnership', () => {
  test.prop([deliveryArb])('any interleaving, duplication or reordering gives, per mint, the owner at the highest slot', (delivered) => {
    const { rows } = reduceOwnership(new Map(), delivered);
    const want = expected(delivered);
    expect([...rows.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [mint, w] of want) {
      const row = rows.get(mint)!;
      expect(row.owner).toBe(w.owner);
      expect(row.slot).toBe(w.slot);
      expect(row.commitment).toBe(w.finalized ? 'finalized' : 'confirmed');
    }
  });

  test.prop([deliveryArb, fc.array(fc.nat(), { maxLength: 6 })])('splitting the records into batches changes nothing', (delivered, cuts) => {
    const once = reduceOwnership(new Map(), delivered);
    const { table, ownerChanges } = applyInBatches(chunks(delivered, cuts));
    expect(table).toEqual(once.rows);
    expect(ownerChanges).toEqual(once.ownerChanges);
  });

  test.prop([deliveryArb])('the audit trail is a chain per mint that ends at the projected owner', (delivered) => {
    const { rows, ownerChanges, tickets } = reduceOwnership(new Map(), delivered);
    for (const [mint, row] of rows) {
      const trail = ownerChanges.filter((c) => c.mint === mint);
      let owner: string | null = null;
      for (const [i, c] of trail.entries()) {
        expect(c.oldOwner).toBe(owner);
        // Only a mint first seen burned starts its trail from nobody to nobody.
        if (i > 0 || c.newOwner !== null) expect(c.newOwner).not.toBe(c.oldOwner);
        owner = c.newOwner;
      }
      expect(trail.length > 0).toBe(true);
      expect(owner).toBe(row.owner);
      // Nothing was stored before: every mint is first seen, so every ticket follows its row.
      expect(tickets.get(mint)).toEqual({ owner: row.owner, status: row.owner === null ? 'burned' : 'minted' });
    }
  });

  test.prop([historyArb])('replaying the same records in order is a no-op on the result', (records) => {
    const first = reduceOwnership(new Map(), records);
    const again = reduceOwnership(first.rows, records);
    // Every replayed record is older than or equal to what is stored; only same-slot ones rewrite.
    for (const [mint, row] of again.rows) expect(row).toEqual(first.rows.get(mint));
    expect(again.ownerChanges).toEqual([]);
  });

  it('a fork correction at the same slot replaces the confirmed record it corrects', () => {
    const { rows, ownerChanges } = reduceOwnership(new Map(), [change('m', 10, 'w1'), change('m', 10, 'w2')]);
    expect(rows.get('m')?.owner).toBe('w2');
    expect(ownerChanges.map((c) => c.newOwner)).toEqual(['w1', 'w2']);
  });

  it('finalized replaces confirmed at the same slot, never the other way round', () => {
    expect(supersedes({ slot: 5, commitment: 'confirmed' }, { slot: 5, commitment: 'finalized' })).toBe(true);
    expect(supersedes({ slot: 5, commitment: 'finalized' }, { slot: 5, commitment: 'confirmed' })).toBe(false);
    expect(supersedes({ slot: 5, commitment: 'finalized' }, { slot: 6, commitment: 'confirmed' })).toBe(true);
    expect(supersedes({ slot: 6, commitment: 'confirmed' }, { slot: 5, commitment: 'finalized' })).toBe(false);
  });

  it('a burn marks the ticket burned; a first sight of a burned mint marks it burned too, with an audit entry from nobody to nobody', () => {
    const burned = reduceOwnership(new Map(), [change('m', 1, 'w1'), change('m', 2, null)]);
    expect(burned.tickets.get('m')).toEqual({ owner: null, status: 'burned' });
    const never = reduceOwnership(new Map(), [change('n', 2, null)]);
    expect(never.ownerChanges).toMatchObject([{ mint: 'n', oldOwner: null, newOwner: null, slot: 2 }]);
    expect(never.tickets.get('n')).toEqual({ owner: null, status: 'burned' });
    expect(never.rows.get('n')?.owner).toBeNull();
  });

  it('a stored mint whose owner does not change leaves its ticket alone', () => {
    const stored = reduceOwnership(new Map(), [change('m', 1, 'w1')]).rows;
    const again = reduceOwnership(stored, [change('m', 2, 'w1')]);
    expect(again.rows.get('m')?.slot).toBe(2);
    expect(again.tickets.size).toBe(0);
  });
});
