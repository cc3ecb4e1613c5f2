// The local chain's admin endpoint for tests that run against the stack's chain (another
// process): typed calls for the faults a test scopes to its own accounts.
import type { ConfirmedFork } from '../../services/localnet/chain.ts';

async function faults<T>(rpcUrl: string, body: unknown): Promise<T> {
  const res = await fetch(`${rpcUrl}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${rpcUrl}/admin/faults ${JSON.stringify(body)} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * A fork deep enough to abandon confirmed blocks: everything above the root goes, and the
 * transactions naming `account` are lost; everybody else's land again at new slots.
 */
export async function abandonConfirmed(rpcUrl: string, account: string): Promise<ConfirmedFork> {
  const out = await faults<Partial<ConfirmedFork>>(rpcUrl, { fork: { abandonConfirmedWith: account } });
  // A chain that predates the fault ignores the key and answers { ok: true }.
  if (!Array.isArray(out.droppedSignatures))
    throw new Error(`the chain at ${rpcUrl} does not know fork.abandonConfirmedWith (restart it on current code): ${JSON.stringify(out)}`);
  return out as ConfirmedFork;
}

/**
 * Drops (accepts and forgets, as a leader that never forwards them) the transactions naming
 * `account`: until cleared with `count: 0`, or `count` of them. Nobody else's are touched.
 */
export async function dropTransactionsTouching(rpcUrl: string, account: string, count: number | null = null): Promise<void> {
  try {
    await faults(rpcUrl, { dropTransactions: { account, count } });
  } catch (err) {
    // A chain that predates the scoped drop refuses the object form (it took only a count).
    throw new Error(`${(err as Error).message}\n(a scoped dropTransactions needs the chain on current code: restart it)`, { cause: err });
  }
}
