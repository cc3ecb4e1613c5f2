// One evaluation pass of the stream join: the mints that need it are joined with the database in
// one query, classified, recorded and healed (after re-reading the chain), and published.
import type pg from 'pg';
import type { Logger } from '../lib/logger.ts';
import { classify } from './classify.ts';
import { compareWithDb } from './db-view.ts';
import { healAll } from './heal.ts';
import { streamView } from './join.ts';
import type { HealingPolicy } from './policy.ts';
import type { Publish } from './publisher.ts';
import type { StreamState } from './stream-state.ts';
import { loadActive, recordPlan } from './store.ts';
import { planTransitions, toHeal } from './transitions.ts';
import type { Finding, Thresholds } from './types.ts';

export interface StreamEvalDeps {
  pool: pg.Pool;
  state: StreamState;
  publish: Publish;
  logger: Logger;
  thresholds: Thresholds;
  policy: HealingPolicy;
  /** The chain owner read fresh from the RPC (undefined if it could not be read). */
  confirmOwner: (mint: string) => Promise<string | null | undefined>;
  recentMs: number;
  batch?: number;
}

export interface EvalResult {
  evaluated: number;
  opened: number;
  healed: number;
  resolved: number;
}

export async function evaluateStream(d: StreamEvalDeps, now = Date.now()): Promise<EvalResult> {
  const mints = d.state.take(now, d.recentMs, d.batch ?? 2_000);
  if (mints.length === 0) return { evaluated: 0, opened: 0, healed: 0, resolved: 0 };
  const rows = mints.map((mint) => {
    const chain = d.state.get(mint)?.chain;
    // A mint the ownership stream has not shown yet is checked for stuck operations only.
    return { mint, present: chain?.present ?? false, owner: chain?.owner ?? null, tokenAccount: chain?.tokenAccount ?? null, slot: chain?.slot ?? 0 };
  });
  const compared = await compareWithDb(d.pool, rows, now, true);
  const findings: Finding[] = [];
  const withChain = new Set<string>();
  for (const { view, db } of compared) {
    const s = d.state.get(view.mint);
    if (!s) continue;
    const joined = streamView(view.mint, s, db);
    if (joined) {
      withChain.add(view.mint);
      findings.push(...classify(joined, d.thresholds, now));
    } else {
      const merged = streamView(
        view.mint,
        { ...s, chain: { present: false, owner: null, slot: 0, tokenAccount: null, observedAt: 0, commitment: 'confirmed' } },
        db,
      );
      if (merged) findings.push(...classify(merged, d.thresholds, now).filter((f) => f.kind === 'stuck_operation'));
    }
  }
  const evaluated = new Set(mints);
  const checked = (a: { mint: string; kind: string }) => evaluated.has(a.mint) && (withChain.has(a.mint) || a.kind === 'stuck_operation');
  const plan = planTransitions(await loadActive(d.pool, mints), findings, (mint) => evaluated.has(mint), d.policy);
  plan.resolve = plan.resolve.filter(checked);
  const recorded = await recordPlan(d.pool, plan, { source: 'stream', runId: null });
  const healed = await healAll(d.pool, toHeal(plan, recorded.createdIds), d.confirmOwner);
  for (const f of healed.failed) d.logger.warn({ err: f.error, mint: f.mint, discrepancyId: f.id }, 'healing failed');
  // Nothing else would bring a failed mint back: no operation in flight, no chain change.
  d.state.again(healed.deferred);
  if (healed.deferred.length) d.logger.debug({ mints: healed.deferred }, 're-request waits for the projector to write the failure');
  await d.publish([...recorded.events, ...healed.healed, ...healed.reviewed]);
  if (recorded.events.length || healed.healed.length) {
    d.logger.info(
      { evaluated: mints.length, opened: plan.create.length, healed: healed.healed.length, resolved: plan.resolve.length },
      'stream join changed discrepancies',
    );
  }
  return { evaluated: mints.length, opened: plan.create.length, healed: healed.healed.length, resolved: plan.resolve.length };
}
