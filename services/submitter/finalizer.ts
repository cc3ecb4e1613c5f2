// Confirmed operations become finalized once their slot is rooted: by signature status when the
// op has a signature, else (an effect found already on chain) when the finalized slot passes it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from '../lib/db.ts';
import type { Logger } from '../lib/logger.ts';
import type { RpcPool } from '../lib/solana/rpc-pool.ts';
import { statusEvent } from './events.ts';
import type { SubmitterMetrics } from './metrics.ts';
import * as store from './store.ts';

/**
 * Where the next pass reads: a page of confirmed ops after the last one read, and from the start
 * again after a short page. Always reading the oldest page instead let ops the chain no longer
 * reports (they stay confirmed) hide every op behind them.
 */
export interface FinalizerCursor {
  pageSize: number;
  after: store.ConfirmedKey | null;
}
export const finalizerCursor = (pageSize = 1_000): FinalizerCursor => ({ pageSize, after: null });

export async function finalizeOnce(pool: Pool, rpc: RpcPool, metrics: SubmitterMetrics, cursor = finalizerCursor(), now = Date.now): Promise<number> {
  const ops = await store.confirmedOps(pool, cursor.pageSize, cursor.after);
  cursor.after = ops.length < cursor.pageSize ? null : ops.at(-1)!.key;
  if (ops.length === 0) return 0;
  const finalizedSlot = await rpc.call('getSlot', (c) => c.getSlot('finalized'));
  // An op that landed above the finalized slot cannot be final yet: its status is not worth a
  // read. (One re-landed higher after a fork still has its first, lower slot here, so it is read.)
  const signed = ops.filter((o) => o.signature !== null && (o.slot === null || o.slot <= finalizedSlot));
  const statuses = new Map<string, string | null>();
  for (let i = 0; i < signed.length; i += 256) {
    const chunk = signed.slice(i, i + 256).map((o) => o.signature!);
    const value = await rpc.signatureStatuses(chunk);
    chunk.forEach((s, j) => statuses.set(s, value[j]?.confirmationStatus ?? null));
  }
  const events = ops
    .filter((op) => (op.signature !== null ? statuses.get(op.signature) === 'finalized' : op.slot !== null && finalizedSlot >= op.slot))
    .map((op) => statusEvent(op, 'finalized', { attempt: op.attempts, signature: op.signature, slot: op.slot, at: now() }));
  const n = await store.markFinalized(pool, events);
  metrics.operations.inc({ state: 'finalized' }, n);
  return n;
}

export async function runFinalizer(
  pool: Pool,
  rpc: RpcPool,
  metrics: SubmitterMetrics,
  logger: Logger,
  everyMs: number,
  signal: AbortSignal,
  onStatus: () => void,
): Promise<void> {
  const cursor = finalizerCursor();
  while (!signal.aborted) {
    try {
      if ((await finalizeOnce(pool, rpc, metrics, cursor)) > 0) onStatus();
    } catch (err) {
      logger.warn({ err }, 'finality check failed; retrying');
    }
    await sleep(everyMs, undefined, { signal }).catch(() => undefined);
  }
}
