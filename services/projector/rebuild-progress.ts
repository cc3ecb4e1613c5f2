/** Progress lines for `rebuild`: records/s and, per partition, position vs goal. */
export function rebuildProgress(print: (line: string) => void, state: () => { position: Map<number, bigint>; goal: Map<number, bigint> }, everyMs = 2_000) {
  const started = performance.now();
  let total = 0;
  let lastAt = started;
  let lastTotal = 0;
  const line = (final: boolean) => {
    const now = performance.now();
    const rate = final ? total / ((now - started) / 1000) : (total - lastTotal) / ((now - lastAt) / 1000);
    const { position, goal } = state();
    const parts = [...goal].sort(([a], [b]) => a - b).map(([p, g]) => `p${p} ${position.get(p) ?? 0n}/${g}`);
    print(`rebuild${final ? ' done' : ''}: ${total} records, ${Math.round(rate)} records/s${final ? ' overall' : ''} | ${parts.join(' ')}`);
    lastAt = now;
    lastTotal = total;
  };
  return {
    count: (n: number) => {
      total += n;
    },
    tick: () => {
      if (performance.now() - lastAt >= everyMs) line(false);
    },
    done: () => line(true),
    total: () => total,
  };
}
