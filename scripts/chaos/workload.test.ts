import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MAX_SEED } from './prng.ts';
import { type PlannedOp, type WorkloadInput, effectOf, intendedHolders, planWorkload } from './workload.ts';

const input = fc.record({
  seed: fc.integer({ min: 0, max: MAX_SEED }),
  untilMs: fc.integer({ min: 0, max: 10 * 60_000 }),
  opsPerMinute: fc.integer({ min: 0, max: 120 }),
  wallets: fc.record({ custodial: fc.integer({ min: 2, max: 6 }), outside: fc.integer({ min: 2, max: 6 }) }),
}) satisfies fc.Arbitrary<WorkloadInput>;

describe('planWorkload', () => {
  test.prop([input])('the same seed gives the same plan', (i) => {
    expect(planWorkload(i)).toEqual(planWorkload({ ...i, wallets: { ...i.wallets } }));
  });

  test.prop([input])('operations are numbered in time order, before the quiet period', (i) => {
    const plan = planWorkload(i);
    plan.forEach((op, k) => {
      expect(op.seq).toBe(k);
      expect(op.at >= 0 && op.at < Math.max(1, i.untilMs)).toBe(true);
      if (k > 0) expect(op.at).toBeGreaterThanOrEqual(plan[k - 1]!.at);
    });
  });

  test.prop([input])('a ticket is transferred or burned only after its mint and before its burn, by its holder, and waits for its previous operation', (i) => {
    const holder = new Map<number, number>();
    const last = new Map<number, number>();
    const custodial = (w: number) => w < i.wallets.custodial;
    for (const op of planWorkload(i)) {
      const e = effectOf(op);
      if (e === null) continue;
      if (e.type === 'mint') {
        expect(holder.has(e.ticket) || last.has(e.ticket)).toBe(false);
        expect(op.after).toBeNull();
      } else {
        const from = op.kind === 'outside-transfer' ? op.from : op.kind === 'platform' && op.request.type !== 'mint' ? op.request.from : undefined;
        expect(holder.get(e.ticket)).toBe(from);
        // The platform signs only for its own wallets; an outside wallet signs its own transfer.
        expect(custodial(from!)).toBe(op.kind === 'platform');
        expect(op.after).toBe(last.get(e.ticket));
        if (e.to !== null) expect(e.to).not.toBe(from);
      }
      if (e.to !== null) expect(e.to >= 0 && e.to < i.wallets.custodial + i.wallets.outside).toBe(true);
      if (e.type === 'burn') holder.delete(e.ticket);
      else holder.set(e.ticket, e.to!);
      last.set(e.ticket, op.seq);
    }
  });

  test.prop([input])('a re-send repeats an earlier request exactly; every other request has a key of its own', (i) => {
    const plan = planWorkload(i);
    const keys = new Set<string>();
    for (const op of plan) {
      if (op.kind === 'resend') {
        const original = plan[op.of]!;
        expect(op.of).toBeLessThan(op.seq);
        expect(original.kind).toBe('platform');
        expect(op.request).toEqual((original as Extract<PlannedOp, { kind: 'platform' }>).request);
      } else if (op.kind === 'platform') {
        expect(keys.has(op.request.key)).toBe(false);
        keys.add(op.request.key);
      }
    }
  });

  test.prop([input])('the intended holders are the last landed transfer of every ticket never burned', (i) => {
    const plan = planWorkload(i);
    const holders = intendedHolders(plan);
    for (const op of plan) {
      const e = effectOf(op);
      if (e?.type === 'mint') expect(holders.has(e.ticket)).toBe(true);
      if (e?.type === 'burn') expect(holders.get(e.ticket)).toBeNull();
    }
  });

  it('mixes every kind of request in a plan of a few hundred', () => {
    const plan = planWorkload({ seed: 3, untilMs: 5 * 60_000, opsPerMinute: 60, wallets: { custodial: 3, outside: 3 } });
    const kinds = new Set(plan.map((op) => (op.kind === 'platform' ? op.request.type : op.kind)));
    expect([...kinds].sort()).toEqual(['burn', 'mint', 'outside-transfer', 'resend', 'transfer']);
    expect(plan).toHaveLength(300);
  });

  it('refuses fewer than two wallets of either kind (a transfer needs somewhere else to go)', () => {
    expect(() => planWorkload({ seed: 1, untilMs: 1000, opsPerMinute: 60, wallets: { custodial: 1, outside: 3 } })).toThrow(RangeError);
  });
});
