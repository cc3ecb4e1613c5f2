// Everything a campaign will do, decided from its options before anything runs: the fault
// schedule and the workload. The runner and the dry run both start from here.
import { FAULT_KINDS } from './fault-kinds.ts';
import type { CampaignOptions } from './options.ts';
import { type Schedule, buildSchedule, countByKind } from './schedule.ts';
import { type PlannedOp, type Wallets, planWorkload } from './workload.ts';

export const CAMPAIGN_WALLETS: Wallets = { custodial: 4, outside: 4 };
export const OPS_PER_MINUTE = 60;

export interface CampaignPlan {
  schedule: Schedule;
  workload: PlannedOp[];
}

export function planCampaign(o: CampaignOptions): CampaignPlan {
  const wallets = CAMPAIGN_WALLETS.custodial + CAMPAIGN_WALLETS.outside;
  const schedule = buildSchedule({ seed: o.seed, minutes: o.minutes, instances: o.instances, kinds: FAULT_KINDS, wallets });
  const workload = planWorkload({ seed: o.seed, untilMs: schedule.quietFromMs, opsPerMinute: OPS_PER_MINUTE, wallets: CAMPAIGN_WALLETS });
  return { schedule, workload };
}

const clock = (ms: number) => `${Math.floor(ms / 60_000)}:${((ms % 60_000) / 1000).toFixed(3).padStart(6, '0')}`;

/** The plan as text: faults by kind, the workload by kind, then every fault event in time order. */
export function renderPlan({ schedule, workload }: CampaignPlan): string {
  const lines = [`faults (quiet from ${clock(schedule.quietFromMs)} to ${clock(schedule.durationMs)}):`];
  for (const [kind, n] of [...countByKind(schedule)].sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(`  ${kind.padEnd(24)} ${n}`);
  const ops = new Map<string, number>();
  for (const op of workload) {
    const kind = op.kind === 'platform' ? op.request.type : op.kind;
    ops.set(kind, (ops.get(kind) ?? 0) + 1);
  }
  lines.push('workload:', ...[...ops].sort(([a], [b]) => (a < b ? -1 : 1)).map(([kind, n]) => `  ${kind.padEnd(24)} ${n}`), 'schedule:');
  for (const e of schedule.events) {
    const { kind, ...detail } = e.fault;
    lines.push(`  ${clock(e.at)}  ${e.step.padEnd(6)}  ${kind.padEnd(24)} ${JSON.stringify(detail)}`);
  }
  return lines.join('\n');
}
