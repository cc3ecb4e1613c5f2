// The monitoring files as code: promtool checks and unit-tests the alert rules, every metric a
// rule or a dashboard panel names is one some service exports, every alert carries its severity,
// summary, description and a runbook that exists with the four sections, and the scrape config
// names every service on the port `npm start` gives it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { HEALTH_PORTS, discoverServices } from '../../scripts/services.ts';
import { PROMETHEUS_DIR, ROOT, SCRAPE_SERIES, exportedMetricNames, panelQueries, ruleFiles, rules, selectedMetrics } from '../support/monitoring-files.ts';

const promtool = (...args: string[]) => spawnSync('promtool', args, { cwd: PROMETHEUS_DIR, encoding: 'utf8' });

describe('alert rules', () => {
  it('pass promtool check rules', () => {
    expect(promtool('--version').error, "promtool is missing: npm test installs Debian's prometheus package").toBeUndefined();
    const r = promtool('check', 'rules', ...ruleFiles());
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('pass promtool test rules (each alert fires, and does not, in tests/)', () => {
    const r = promtool('test', 'rules', 'tests/chainsync_test.yml');
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('each alert is tested, and each carries severity, summary, description and a runbook that exists with its four sections', () => {
    const tests = readFileSync(join(PROMETHEUS_DIR, 'tests', 'chainsync_test.yml'), 'utf8');
    const alerts = rules().filter((r) => r.alert);
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    for (const a of alerts) {
      expect(['critical', 'warning', 'info'], a.alert).toContain(a.labels?.severity);
      expect(a.annotations?.summary, a.alert).toBeTruthy();
      expect(a.annotations?.description, a.alert).toBeTruthy();
      expect(a.annotations?.runbook_url, a.alert).toBe(`docs/runbooks/${a.alert}.md`);
      const runbook = join(ROOT, a.annotations!.runbook_url!);
      expect(existsSync(runbook), `${a.alert}: ${a.annotations!.runbook_url} does not exist`).toBe(true);
      const text = readFileSync(runbook, 'utf8');
      for (const section of ['Meaning', 'Impact', 'Diagnosis', 'Mitigation'])
        expect(text, `${a.alert} runbook lacks ## ${section}`).toMatch(new RegExp(`^## ${section}`, 'm'));
      expect(text, `${a.alert} runbook shows no command`).toMatch(/```(sh|sql|bash)/);
      expect(tests, `${a.alert} has no promtool test`).toContain(`alertname: ${a.alert}`);
    }
  });
});

describe('metric names in rules and dashboards', () => {
  let exported: Set<string>;
  const recorded = new Set(rules().flatMap((r) => (r.record ? [r.record] : [])));
  beforeAll(async () => {
    exported = await exportedMetricNames();
  });

  it('every rule names only metrics some service exports', () => {
    for (const r of rules()) {
      const { names, errors } = selectedMetrics(r.expr);
      expect(errors, `${r.alert ?? r.record}: ${r.expr}`).toEqual([]);
      for (const n of names)
        expect(exported.has(n) || recorded.has(n) || SCRAPE_SERIES.includes(n), `${r.alert ?? r.record} names ${n}, which no service exports`).toBe(true);
    }
  });

  it('every dashboard panel query parses as PromQL and names only metrics some service exports', () => {
    const queries = panelQueries();
    expect(queries.length).toBeGreaterThanOrEqual(8);
    for (const q of queries) {
      const { names, errors } = selectedMetrics(q.expr);
      expect(errors, `${q.dashboard} "${q.panel}": ${q.expr} does not parse`).toEqual([]);
      expect(names.length, `${q.panel}: ${q.expr} selects no metric`).toBeGreaterThan(0);
      for (const n of names)
        expect(exported.has(n) || recorded.has(n) || SCRAPE_SERIES.includes(n), `${q.dashboard} "${q.panel}" names ${n}, which no service exports`).toBe(true);
    }
  });

  it('the check itself catches a name no service exports, and a query that does not parse', () => {
    expect(selectedMetrics('rate(chainsync_no_such_metric_total[5m])').names).toEqual(['chainsync_no_such_metric_total']);
    expect(exported.has('chainsync_no_such_metric_total')).toBe(false);
    expect(selectedMetrics('sum by (kind (chainsync_dead_letters)').errors.length).toBeGreaterThan(0);
  });
});

describe('scrape config', () => {
  it('scrapes every service on the port npm start gives it, labelled as the pipeline, and loads the rules', () => {
    const cfg = parseYaml(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[]; labels: Record<string, string> }[] }[];
    };
    const services = discoverServices().map((s) => s.name);
    expect(Object.keys(HEALTH_PORTS).sort()).toEqual([...services].sort());
    const jobs = Object.fromEntries(cfg.scrape_configs.map((j) => [j.job_name, j.static_configs]));
    for (const s of services) {
      expect(jobs[s], `no scrape job for ${s}`).toBeDefined();
      expect(jobs[s]![0]!.targets).toEqual([`127.0.0.1:${HEALTH_PORTS[s]}`]);
      expect(jobs[s]![0]!.labels.pipeline).toBe('chainsync');
    }
    expect(cfg.rule_files).toEqual(['rules/*.yml']);
  });
});
