import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { DEFAULT_POLICY } from './policy.ts';
import { planTransitions, type ActiveDiscrepancy } from './transitions.ts';
import type { Finding } from './types.ts';

const mints = ['m1', 'm2', 'm3', 'm4'];
const finding = fc
  .record({
    mint: fc.constantFrom(...mints),
    kind: fc.constantFrom('owner_mismatch', 'missing_in_db', 'stuck_operation' as const),
    opState: fc.constantFrom('submitted', 'dead_lettered' as const),
  })
  .map((f): Finding => ({ ...f, opId: null, dbValue: null, chainValue: null, slot: 1 }));

/** What the store does with a plan, in memory. */
function apply(active: ActiveDiscrepancy[], findings: Finding[], checked: Set<string>): ActiveDiscrepancy[] {
  const plan = planTransitions(active, findings, (m) => checked.has(m), DEFAULT_POLICY);
  const resolved = new Set(plan.resolve.map((a) => a.id));
  const kept = active
    .filter((a) => !resolved.has(a.id))
    .map((a) => {
      const k = plan.keep.find((x) => x.active.id === a.id);
      return k?.escalate ? { ...a, state: 'needs_review' as const } : a;
    });
  const created = plan.create.map((p, i) => ({ id: `new-${active.length}-${i}`, mint: p.finding.mint, kind: p.finding.kind, state: p.decision.state }));
  return [...kept, ...created];
}

describe('discrepancy transitions', () => {
  test.prop([fc.array(finding, { maxLength: 10 }), fc.array(finding, { maxLength: 10 }), fc.subarray(mints)])(
    'applying the same findings twice changes nothing the second time; one active discrepancy per mint and kind',
    (first, second, checkedList) => {
      const checked = new Set(checkedList);
      const after1 = apply([], first, new Set(mints));
      const after2 = apply(after1, second, checked);
      const plan = planTransitions(after2, second, (m) => checked.has(m), DEFAULT_POLICY);
      expect(plan.create).toEqual([]);
      expect(plan.resolve).toEqual([]);
      expect(plan.keep.every((k) => !k.escalate)).toBe(true);
      const keys = after2.map((a) => `${a.kind}/${a.mint}`);
      expect(new Set(keys).size).toBe(keys.length);
      // Nothing outside the checked mints was resolved.
      for (const a of after1) if (!checked.has(a.mint)) expect(after2.some((b) => b.id === a.id)).toBe(true);
    },
  );
});
