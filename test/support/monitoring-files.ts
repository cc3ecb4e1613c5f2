// What the monitoring files (rules, dashboard, scrape config) name, and what the services export:
// the unit checks compare the two, and the live Prometheus test asks for a series of each.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';
import { createMetricsRegistry } from '../../services/lib/metrics.ts';
import { ingestMetrics } from '../../services/chain-ingest/metrics.ts';
import { monitorMetrics } from '../../services/monitor/metrics.ts';
import { projectorMetrics } from '../../services/projector/metrics.ts';
import { reconcilerMetrics } from '../../services/reconciler/metrics.ts';
import { createSubmitterMetrics } from '../../services/submitter/metrics.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PROMETHEUS_DIR = join(ROOT, 'monitoring', 'prometheus');
export const DASHBOARD_DIR = join(ROOT, 'monitoring', 'grafana', 'dashboards');

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function ruleFiles(): string[] {
  const dir = join(PROMETHEUS_DIR, 'rules');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join(dir, f));
}

export function rules(): Rule[] {
  return ruleFiles().flatMap((f) => (parseYaml(readFileSync(f, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules));
}

export interface PanelQuery {
  dashboard: string;
  panel: string;
  expr: string;
}

export function panelQueries(): PanelQuery[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      const d = JSON.parse(readFileSync(join(DASHBOARD_DIR, f), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
      return d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ dashboard: f, panel: p.title, expr: t.expr })));
    });
}

/** Grafana's interval variables, replaced by a duration so the query parses as plain PromQL. */
const withoutGrafanaVariables = (expr: string) => expr.replace(/\$__(rate_interval|interval|range)/g, '5m');

/** The metric names a query selects, and the parse errors it has (as text offsets). */
export function selectedMetrics(expr: string): { names: string[]; errors: number[] } {
  const src = withoutGrafanaVariables(expr);
  const names = new Set<string>();
  const errors: number[] = [];
  parser.parse(src).iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name !== 'VectorSelector') return;
      const ident = node.node.getChild('Identifier');
      if (ident) names.add(src.slice(ident.from, ident.to));
      // {__name__="x"}: the name given as a matcher.
      const nameMatch = /__name__\s*=\s*"([^"]+)"/.exec(src.slice(node.from, node.to));
      if (nameMatch) names.add(nameMatch[1]!);
    },
  });
  return { names: [...names], errors };
}

/**
 * Every metric name a service can export: each service's metrics built into a registry of its
 * own, plus Node's default process metrics. Histogram series carry _bucket, _sum and _count.
 */
export async function exportedMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  const builders: ((r: ReturnType<typeof createMetricsRegistry>) => unknown)[] = [
    (r) => createSubmitterMetrics(r),
    ingestMetrics,
    projectorMetrics,
    reconcilerMetrics,
    monitorMetrics,
  ];
  for (const build of builders) {
    const registry = createMetricsRegistry('catalog');
    build(registry);
    for (const m of await registry.getMetricsAsJSON()) {
      names.add(m.name);
      const type = String(m.type);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m.name}${suffix}`);
      if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${m.name}${suffix}`);
    }
    registry.clear();
  }
  return names;
}

/** Series Prometheus makes itself for every target. */
export const SCRAPE_SERIES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped'];
