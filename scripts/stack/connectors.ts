import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackPartError } from './wait.ts';

interface ConnectorStatus {
  connector: { state: string; trace?: string };
  tasks: Array<{ id: number; state: string; trace?: string }>;
}

export function connectorFiles(dir: string): Array<{ name: string; config: Record<string, string> }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: basename(f, '.json'), config: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, string> }));
}

/** PUT is create-or-update, so registering is idempotent; a changed file updates the running connector. */
export async function registerConnector(connectUrl: string, name: string, config: Record<string, string>, timeoutMs = 60_000): Promise<void> {
  const put = await fetch(`${connectUrl}/connectors/${encodeURIComponent(name)}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  if (!put.ok) throw new StackPartError(`connector ${name}`, `Connect refused the config: HTTP ${put.status} ${await put.text()}`);
  await waitForRunning(connectUrl, name, timeoutMs);
}

export async function connectorStatus(connectUrl: string, name: string): Promise<ConnectorStatus | undefined> {
  const res = await fetch(`${connectUrl}/connectors/${encodeURIComponent(name)}/status`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`connector ${name} status: HTTP ${res.status}`);
  return (await res.json()) as ConnectorStatus;
}

export async function waitForRunning(connectUrl: string, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no status yet';
  while (Date.now() < deadline) {
    const status = await connectorStatus(connectUrl, name).catch(() => undefined);
    if (status) {
      const failed = [status.connector, ...status.tasks].find((s) => s.state === 'FAILED');
      if (failed) {
        throw new StackPartError(`connector ${name}`, 'FAILED', (failed.trace ?? '').split('\n').slice(0, 15).join('\n'));
      }
      const running = status.connector.state === 'RUNNING' && status.tasks.length > 0 && status.tasks.every((t) => t.state === 'RUNNING');
      if (running) return;
      last = `connector ${status.connector.state}, tasks ${status.tasks.map((t) => t.state).join(',') || 'none'}`;
    }
    await sleep(500);
  }
  throw new StackPartError(`connector ${name}`, `not RUNNING within ${timeoutMs / 1000}s (${last})`);
}

export async function restartConnector(connectUrl: string, name: string): Promise<void> {
  const res = await fetch(`${connectUrl}/connectors/${encodeURIComponent(name)}/restart?includeTasks=true`, { method: 'POST' });
  if (!res.ok && res.status !== 202 && res.status !== 204) throw new Error(`restart ${name}: HTTP ${res.status}`);
}
