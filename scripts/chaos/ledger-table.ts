// The ledger check printed: one line per check with its counts, its named cases under it, then
// the review items and every violation in full.
import { type CheckResult, violationCount } from './ledger.ts';

export function renderLedger(results: readonly CheckResult[]): string {
  const width = Math.max(5, ...results.map((r) => r.name.length), ...results.flatMap((r) => Object.keys(r.cases ?? {}).map((c) => c.length + 2)));
  const row = (label: string, checked: string, violations: string) => `${label.padEnd(width)}  ${checked.padStart(8)}  ${violations.padStart(10)}`;
  const lines = [row('check', 'checked', 'violations'), '-'.repeat(width + 22)];
  for (const r of results) {
    lines.push(row(r.name, String(r.checked), String(r.violations.length)));
    for (const [name, n] of Object.entries(r.cases ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(row(`  ${name}`, String(n), ''));
  }
  const total = violationCount(results);
  lines.push('-'.repeat(width + 22), row('total', '', String(total)));
  const notes = results.flatMap((r) => r.notes ?? []);
  if (notes.length) lines.push('', 'review items:', ...notes.map((n) => `  - ${n}`));
  const violations = results.flatMap((r) => r.violations.map((v) => `  [${r.name}] ${v}`));
  if (violations.length) lines.push('', 'violations:', ...violations);
  lines.push('', total === 0 ? 'ledger: consistent' : `ledger: ${total} violation(s)`);
  return lines.join('\n');
}
