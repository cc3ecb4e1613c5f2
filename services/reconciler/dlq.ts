// dlq_growth: dead letters accumulating on chain.ops.dlq. A pipeline-wide signal rather than a
// per-mint comparison, so it has its own check instead of riding on the stream join or the full
// run. It counts what the topic received in a sliding window (offsets by timestamp), which covers
// every dead letter: invalid input (including records no op row or mint can be found for) and
// operations that failed, permanently or by exhausting their attempts. One discrepancy stands for
// the topic (marker mint DLQ_MINT): to review while the count is above the threshold, resolved
// once the window no longer holds that many.
import type pg from 'pg';
import type { Admin } from 'kafkajs';
import { TOPICS } from '../lib/topics.ts';
import type { HealingPolicy } from './policy.ts';
import type { Publish } from './publisher.ts';
import { loadActive, recordPlan, type DiscrepancyEvent } from './store.ts';
import { planTransitions } from './transitions.ts';
import type { Finding } from './types.ts';

/** The marker mint of the pipeline-wide dlq_growth discrepancy (it belongs to no single NFT). */
export const DLQ_MINT = TOPICS.opsDlq;

/** The finding for `count` dead letters in the window: one above the threshold, none otherwise. */
export function dlqFinding(count: number, threshold: number, windowMs: number): Finding[] {
  if (count <= threshold) return [];
  return [
    {
      mint: DLQ_MINT,
      kind: 'dlq_growth',
      opId: null,
      dbValue: `${count} dead letters in the last ${Math.round(windowMs / 1000)} s (threshold ${threshold})`,
      chainValue: null,
      slot: null,
    },
  ];
}

/** Records chain.ops.dlq received since `since` (epoch ms), over all partitions. */
export async function dlqGrowth(admin: Admin, since: number): Promise<number> {
  const [high, from] = await Promise.all([admin.fetchTopicOffsets(TOPICS.opsDlq), admin.fetchTopicOffsetsByTimestamp(TOPICS.opsDlq, since)]);
  const start = new Map(from.map((p) => [p.partition, Number(p.offset)]));
  return high.reduce((n, p) => n + Math.max(0, Number(p.high) - (start.get(p.partition) ?? Number(p.high))), 0);
}

export interface DlqCheckDeps {
  pool: pg.Pool;
  publish: Publish;
  policy: HealingPolicy;
  threshold: number;
  windowMs: number;
  /** Dead letters received since the given time (dlqGrowth over a Kafka admin, in the service). */
  count: (since: number) => Promise<number>;
}

export interface DlqCheck {
  count: number;
  finding: Finding | undefined;
  events: DiscrepancyEvent[];
}

/** One check: measure, record (open, keep or resolve the marker discrepancy), publish the changes. */
export async function checkDlq(d: DlqCheckDeps, now = Date.now()): Promise<DlqCheck> {
  const count = await d.count(now - d.windowMs);
  const findings = dlqFinding(count, d.threshold, d.windowMs);
  const plan = planTransitions(await loadActive(d.pool, [DLQ_MINT]), findings, (mint) => mint === DLQ_MINT, d.policy);
  const { events } = await recordPlan(d.pool, plan, { source: 'stream', runId: null });
  await d.publish(events);
  return { count, finding: findings[0], events };
}
