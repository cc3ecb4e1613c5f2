import { reuseIfRunning } from './reuse.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type StackConfig } from './config.ts';
import { runningPid, startDetached, tailFile, tracked } from './proc.ts';
import { waitUntil } from './wait.ts';

export const localnetPart = (cfg: StackConfig) => tracked(cfg.pidDir, cfg.logDir, 'localnet');
export const localnetRpcUrl = (cfg: StackConfig) => `http://127.0.0.1:${cfg.ports.localnet}`;
export const localnetWsUrl = (cfg: StackConfig) => `ws://127.0.0.1:${cfg.ports.localnet + 1}`;
const MAIN = join(REPO_ROOT, 'services', 'localnet', 'main.ts');

export const localnetAvailable = () => existsSync(MAIN);

export async function localnetReady(cfg: StackConfig): Promise<boolean> {
  const res = await fetch(localnetRpcUrl(cfg), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getHealth' }),
    signal: AbortSignal.timeout(2000),
  });
  if (!res.ok) return false;
  const body = (await res.json()) as { result?: string };
  return body.result === 'ok';
}

export async function startLocalnet(cfg: StackConfig): Promise<'started' | 'already up'> {
  const part = localnetPart(cfg);
  const opts = { timeoutMs: cfg.readyTimeoutMs, logTail: () => tailFile(part.logFile) };
  if (await reuseIfRunning(cfg, part, [cfg.ports.localnet, cfg.ports.localnet + 1], () => localnetReady(cfg))) return 'already up';
  // CHAINSYNC_LOCALNET_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the chain.
  const nodeArgs = (process.env.CHAINSYNC_LOCALNET_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const pid = startDetached(part, process.execPath, [...nodeArgs, '--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      LOCALNET_PORT: String(cfg.ports.localnet),
      LOCALNET_SNAPSHOT: join(cfg.dataDir, 'localnet', 'snapshot.json'),
      // `public`: the chain answers as a hosted provider does (docs/localnet.md).
      LOCALNET_PROFILE: process.env.CHAINSYNC_LOCALNET_PROFILE ?? 'default',
    },
  });
  await waitUntil('localnet', () => localnetReady(cfg), { ...opts, stillRunning: () => runningPid(part) === pid });
  return 'started';
}
