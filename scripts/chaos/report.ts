// The campaign's fault report: per kind, how many were scheduled and how many were injected, then
// the ones that found nothing to act on.
import { FAULT_KINDS, type FaultKind } from './fault-kinds.ts';
import { type Schedule, countByKind } from './schedule.ts';

export function renderFaultCounts(schedule: Schedule, injected: ReadonlyMap<FaultKind, number>, missed: readonly string[]): string {
  const planned = countByKind(schedule);
  const lines = [`${'fault'.padEnd(26)} ${'scheduled'.padStart(9)} ${'injected'.padStart(9)}`];
  for (const kind of FAULT_KINDS) lines.push(`${kind.padEnd(26)} ${String(planned.get(kind) ?? 0).padStart(9)} ${String(injected.get(kind) ?? 0).padStart(9)}`);
  const total = (m: ReadonlyMap<FaultKind, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  lines.push(`${'total'.padEnd(26)} ${String(total(planned)).padStart(9)} ${String(total(injected)).padStart(9)}`);
  if (missed.length) lines.push('', 'not injected or not healed as scheduled:', ...missed.map((m) => `  - ${m}`));
  return lines.join('\n');
}
