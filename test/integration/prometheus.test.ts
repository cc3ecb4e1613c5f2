// A real Prometheus (Debian's package) scrapes the running pipeline, every service connected as
// its own least-privilege login, with the shipped scrape config and rules: every target is up, every metric a rule or a dashboard panel names has a series, and
// stopping the reconciler turns ServiceDown pending. The services listen on the fixed ports of
// `npm start` (a pipeline left running by `npm start` would take them). Only the scrape and
// evaluation intervals are shortened, so the test need not wait 15 s per step.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PublicKey } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { createOpsApi } from '../../api/operations.ts';
import { createTicket } from '../../api/tickets.ts';
import { withTransaction } from '../../services/lib/db.ts';
import { loadKeypairFile } from '../../services/lib/solana/keys.ts';
import { HEALTH_PORTS } from '../../scripts/services.ts';
import { freePort } from '../support/free-port.ts';
import { PROMETHEUS_DIR, SCRAPE_SERIES, panelQueries, rules, selectedMetrics } from '../support/monitoring-files.ts';
import { randomHex } from '../support/random.ts';
import { spawnService, type ServiceName, type ServiceProcess } from '../support/spawn-service.ts';
import { roleDatabaseUrl, stackEnv } from '../support/stack-env.ts';
import { waitFor } from '../support/wait.ts';

const env = stackEnv();
// The application's side: requests made through the API as its own login.
const pool = new pg.Pool({ connectionString: roleDatabaseUrl('api'), max: 2 });
const SERVICES: ServiceName[] = ['submitter', 'chain-ingest', 'projector', 'reconciler', 'monitor'];
const overrides: Partial<Record<ServiceName, Record<string, string>>> = {
  // A dead endpoint first: the submitter fails over past it and counts its errors per endpoint.
  // Retention every second with no grace: the pruned-rows counter gets its series.
  submitter: { SOLANA_RPC_URLS: `http://127.0.0.1:1,${env.SOLANA_RPC_URL}`, SUBMITTER_RETENTION_MS: '1000', SUBMITTER_STATUS_OUTBOX_KEEP_S: '0' },
  reconciler: { RECONCILE_INTERVAL_MS: '5000' },
  monitor: { MONITOR_INTERVAL_MS: '1000', MONITOR_REFERENCE_RPC_URLS: 'http://127.0.0.1:1', RPC_TIMEOUT_MS: '1000' },
};
const running = new Map<ServiceName, ServiceProcess>();
let prometheus: ChildProcess | undefined;
let dir: string;
let api: string;

async function query<T>(path: string): Promise<T> {
  const res = await fetch(`${api}${path}`);
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
  return body.data;
}

const hasSeries = async (metric: string) =>
  (await query<{ result: unknown[] }>(`/api/v1/query?query=${encodeURIComponent(`count({__name__="${metric}"})`)}`)).result.length > 0;

beforeAll(async () => {
  await Promise.all(
    SERVICES.map(async (name) =>
      running.set(
        name,
        await spawnService(
          name,
          { ...(env as unknown as Record<string, string>), ...overrides[name] },
          { healthPort: HEALTH_PORTS[name]!, timeoutMs: 120_000, logDir: process.env.CHAINSYNC_SERVICE_LOG_DIR || undefined },
        ),
      ),
    ),
  );
  dir = mkdtempSync(join(tmpdir(), 'chainsync-prometheus-'));
  cpSync(join(PROMETHEUS_DIR, 'rules'), join(dir, 'rules'), { recursive: true });
  const config = parseYaml(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as { global: Record<string, string> };
  config.global.scrape_interval = '1s';
  config.global.evaluation_interval = '1s';
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  api = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    {
      stdio: 'ignore',
    },
  );
  await waitFor('Prometheus ready', async () => (await fetch(`${api}/-/ready`).catch(() => null))?.ok, { timeoutMs: 30_000 });
}, 300_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  await Promise.all([...running.values()].map((s) => s.stop()));
  await pool.end();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('Prometheus with the shipped scrape config and rules', () => {
  it('finds every service target up and loads every alert rule', async () => {
    await waitFor(
      'every target up',
      async () => {
        const { activeTargets } = await query<{ activeTargets: { labels: { job: string }; health: string }[] }>('/api/v1/targets');
        return SERVICES.every((s) => activeTargets.some((t) => t.labels.job === s && t.health === 'up'));
      },
      { timeoutMs: 30_000 },
    );
    const { groups } = await query<{ groups: { rules: { name: string; health: string }[] }[] }>('/api/v1/rules');
    const loaded = groups.flatMap((g) => g.rules);
    for (const alert of rules().filter((r) => r.alert)) expect(loaded.find((r) => r.name === alert.alert)?.health, alert.alert).not.toBe('err');
    expect(loaded.length).toBe(rules().length);
  });

  it('has a series of every metric a rule or a dashboard panel names, once an operation went through', async () => {
    const authority = loadKeypairFile(env.AUTHORITY_KEYPAIR_PATH).publicKey;
    const ticket = `prom-${randomHex()}`;
    const op = await withTransaction(pool, async (tx) => {
      await createTicket(tx, { id: ticket, eventId: 'prometheus-test' });
      return createOpsApi({ authority: new PublicKey(authority) }).requestMint(tx, {
        ticketId: ticket,
        to: authority.toBase58(),
        idempotencyKey: `mint-${ticket}`,
      });
    });
    await waitFor(
      'the mint confirmed',
      async () => (await pool.query(`SELECT 1 FROM chain_operations WHERE op_id = $1 AND state IN ('confirmed', 'finalized')`, [op.opId])).rowCount === 1,
      { timeoutMs: 90_000, everyMs: 500 },
    );
    const named = [...new Set([...rules(), ...panelQueries()].flatMap((q) => selectedMetrics(q.expr).names))].filter((n) => !SCRAPE_SERIES.includes(n));
    const absent = async () => {
      const out: string[] = [];
      for (const n of named) if (!(await hasSeries(n))) out.push(n);
      return out;
    };
    // On timeout, the names still without a series are what the assertion shows.
    const missing = await waitFor('a series of every named metric', async () => ((await absent()).length === 0 ? [] : undefined), {
      timeoutMs: 60_000,
      everyMs: 1_000,
    }).catch(absent);
    expect(missing).toEqual([]);
  });

  it('turns ServiceDown pending for the reconciler once it stops', async () => {
    await running.get('reconciler')!.stop();
    running.delete('reconciler');
    const alert = await waitFor(
      'ServiceDown pending for the reconciler',
      async () => {
        const { alerts } = await query<{ alerts: { labels: Record<string, string>; state: string }[] }>('/api/v1/alerts');
        return alerts.find((a) => a.labels.alertname === 'ServiceDown' && a.labels.job === 'reconciler');
      },
      { timeoutMs: 30_000 },
    );
    expect(alert.state).toBe('pending');
    expect(alert.labels.severity).toBe('critical');
  });
});
