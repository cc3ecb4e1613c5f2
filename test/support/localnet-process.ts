// The local chain as a process of its own, for benchmarks that measure another process's cost
// (a chain in the measuring process would share its event loop and its CPU time).
import { spawn } from 'node:child_process';
import { freePort } from './free-port.ts';
import { waitFor } from './wait.ts';

export interface LocalnetProcess {
  rpcUrl: string;
  wsUrl: string;
  stop(): void;
}

/** Starts `npm run localnet` with these LOCALNET_* settings on a free port; resolves once it answers. */
export async function startLocalnetProcess(settings: Record<string, string>): Promise<LocalnetProcess> {
  const port = await freePort();
  // CHAINSYNC_LOCALNET_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the chain of a bench run.
  const nodeArgs = (process.env.CHAINSYNC_LOCALNET_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'services/localnet/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...settings, LOCALNET_PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.once('exit', stop);
  const rpcUrl = `http://127.0.0.1:${port}`;
  const slot = async () => {
    const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"getSlot"}' });
    return ((await res.json()) as { result?: number }).result ?? 0;
  };
  await waitFor('the local chain process', async () => ((await slot().catch(() => 0)) > 0 ? true : undefined), { timeoutMs: 60_000, everyMs: 200 });
  return { rpcUrl, wsUrl: `ws://127.0.0.1:${port}`, stop };
}
