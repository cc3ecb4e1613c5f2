// How a fresh set of findings changes the recorded discrepancies. Pure: the store applies the plan.
import { decide, type Decision, type HealingPolicy } from './policy.ts';
import type { DiscrepancyKind, Finding } from './types.ts';

export interface ActiveDiscrepancy {
  id: string;
  mint: string;
  kind: DiscrepancyKind;
  state: 'open' | 'needs_review';
}

export interface Planned {
  finding: Finding;
  decision: Decision;
}

export interface Plan {
  create: Planned[];
  /** Still present; `escalate` when the policy now sends it to review (a stuck op was dead-lettered). */
  keep: Array<{ active: ActiveDiscrepancy; planned: Planned; escalate: boolean }>;
  /** Checked in this pass and no longer found: the pipeline caught up. */
  resolve: ActiveDiscrepancy[];
}

const keyOf = (x: { mint: string; kind: DiscrepancyKind }) => `${x.kind}\u0000${x.mint}`;

/** `checked` tells which mints this pass looked at: an active discrepancy elsewhere is left alone. */
export function planTransitions(
  active: readonly ActiveDiscrepancy[],
  findings: readonly Finding[],
  checked: (mint: string) => boolean,
  policy: HealingPolicy,
): Plan {
  const byKey = new Map(active.map((a) => [keyOf(a), a]));
  const found = new Set<string>();
  const plan: Plan = { create: [], keep: [], resolve: [] };
  for (const finding of findings) {
    const k = keyOf(finding);
    if (found.has(k)) continue;
    found.add(k);
    const planned = { finding, decision: decide(finding, policy) };
    const a = byKey.get(k);
    if (a) plan.keep.push({ active: a, planned, escalate: a.state === 'open' && planned.decision.state === 'needs_review' });
    else plan.create.push(planned);
  }
  for (const a of active) if (checked(a.mint) && !found.has(keyOf(a))) plan.resolve.push(a);
  return plan;
}

/** The discrepancies a plan asks to heal now: new ones and open ones whose earlier heal failed. */
export function toHeal(plan: Plan, createdIds: ReadonlyMap<Planned, string>): Array<{ id: string; planned: Planned }> {
  const healing = (p: Planned) => p.decision.action === 'heal_owner' || p.decision.action === 'heal_state' || p.decision.action === 'retry_op';
  const out: Array<{ id: string; planned: Planned }> = [];
  for (const p of plan.create) {
    const id = createdIds.get(p);
    if (id && healing(p)) out.push({ id, planned: p });
  }
  for (const k of plan.keep) if (k.active.state === 'open' && healing(k.planned)) out.push({ id: k.active.id, planned: k.planned });
  return out;
}
