import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<boolean | { ok: boolean; detail?: unknown }>;
}

export interface HealthServer {
  port: number;
  close: () => Promise<void>;
}

async function runChecks(checks: ReadinessCheck[]): Promise<{ ok: boolean; checks: Record<string, unknown> }> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        const r = await c.check();
        return [c.name, typeof r === 'boolean' ? { ok: r } : r] as const;
      } catch (err) {
        return [c.name, { ok: false, detail: (err as Error).message }] as const;
      }
    }),
  );
  return { ok: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
}

/**
 * /health/live: the process answers and `liveness` (if given) says it is not failing (an
 * orchestrator restarts it when this fails).
 * /health/ready: every readiness check passes (traffic and leadership wait for this).
 * /metrics: Prometheus text format.
 */
export async function startHealthServer(opts: {
  port: number;
  host?: string;
  registry: Registry;
  readiness: ReadinessCheck[];
  liveness?: () => { ok: boolean; detail?: unknown };
}): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health/live') {
      const live = opts.liveness?.() ?? { ok: true };
      return send(live.ok ? 200 : 503, live);
    }
    if (path === '/health/ready') {
      void runChecks(opts.readiness).then((r) => send(r.ok ? 200 : 503, r));
      return;
    }
    if (path === '/metrics') {
      void opts.registry.metrics().then((text) => send(200, text, opts.registry.contentType));
      return;
    }
    send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject); // the port taken, say
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
