// Text for the terminal: a progress bar and the summary table of a run. Pure.
import type { RunSummary } from './full-run.ts';
import { DISCREPANCY_KINDS } from './types.ts';

export function progressBar(done: number, total: number, width = 30, elapsedMs = 0): string {
  const frac = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(frac * width);
  const rate = elapsedMs > 0 ? ` ${Math.round(done / (elapsedMs / 1000)).toLocaleString('en-US')} mints/s` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}${rate}`;
}

export function table(rows: Array<[string, string | number]>): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  const v = Math.max(...rows.map(([, x]) => String(x).length));
  const line = `+${'-'.repeat(w + 2)}+${'-'.repeat(v + 2)}+`;
  return [line, ...rows.map(([k, x]) => `| ${k.padEnd(w)} | ${String(x).padStart(v)} |`), line].join('\n');
}

export function summaryTable(r: RunSummary, open: Record<string, Record<string, number>>): string {
  const rows: Array<[string, string | number]> = [
    ['run', r.runId],
    ['status', r.status],
    ['duration', `${(r.durationMs / 1000).toFixed(2)} s`],
    ['mints checked', r.checked],
    ['not checked (timeout)', r.skipped],
    ['chain slot', r.slot ?? '-'],
    ['chain read by', r.strategy],
    ...DISCREPANCY_KINDS.map((k): [string, number] => [`found: ${k}`, r.mismatches[k] ?? 0]),
    ['opened', r.opened],
    ['healed', r.healed],
    ['resolved', r.resolved],
    ['needs review', r.needsReview],
    ['errors', r.errors],
    ['open now (all mints)', Object.values(open.open ?? {}).reduce((a, b) => a + b, 0)],
    ['needs review now (all mints)', Object.values(open.needs_review ?? {}).reduce((a, b) => a + b, 0)],
  ];
  return table(rows);
}
