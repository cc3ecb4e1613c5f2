// One fault campaign, end to end: the campaign's wallets and tickets, the fleet of services, the
// schedule and the workload run side by side, then the quiet period and the ledger check, polled
// until the pipeline has settled or the settling time is up. Whatever happens, every fault is
// undone before it returns: stopped processes continued, stack parts up, chain faults cleared.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@solana/web3.js';
import { Kafka, logLevel } from 'kafkajs';
import { createOpsApi } from '../../api/operations.ts';
import { createTicket } from '../../api/tickets.ts';
import { createPool } from '../../services/lib/db.ts';
import { silentLogger } from '../../services/lib/logger.ts';
import { createRegistry } from '../../services/lib/schemas.ts';
import { loadKeypairFile, loadMasterSeedFile } from '../../services/lib/solana/keys.ts';
import type { StackConfig } from '../stack/config.ts';
import { bringUp } from '../stack/outage.ts';
import { actionFor } from './actions.ts';
import { CAMPAIGN_WALLETS, type CampaignPlan } from './campaign-plan.ts';
import { deferred } from './deferred.ts';
import { driveWorkload } from './driver.ts';
import { SERVICES, STACK_PARTS, type FaultKind, type StackPart } from './fault-kinds.ts';
import { startFleet } from './fleet.ts';
import { gatherLedger } from './gather.ts';
import { applyAction, clearChainFaults } from './inject.ts';
import { type CheckResult, checkLedger, violationCount } from './ledger.ts';
import type { CampaignOptions } from './options.ts';
import { DEFAULT_TIMING, type FaultEvent } from './schedule.ts';
import { StackLane } from './stack-lane.ts';
import { createCampaignWallets } from './wallets.ts';

export interface CampaignResult {
  injected: Map<FaultKind, number>;
  /** Faults whose target was not there when their time came (an instance between restarts), with why. */
  missed: string[];
  results: CheckResult[];
  logFile: string;
}

/** Settings of the services under attack: full reconciliation runs often enough to be seen within a campaign. */
const SERVICE_ENV = { LOG_LEVEL: 'info', RECONCILE_INTERVAL_MS: '60000' };
/** After the campaign's own length, how long the ledger may take to come out consistent. */
const settleMsFor = (durationMs: number) => Math.max(120_000, durationMs / 2);
const LEDGER_POLL_MS = 15_000;

// From whole tenths, so 59.96 s prints as 1:00.0 and never as 0:60.0.
const clock = (ms: number) => {
  const tenths = Math.round(ms / 100);
  const seconds = (tenths % 600) / 10;
  return `${Math.floor(tenths / 600)}:${seconds.toFixed(1).padStart(4, '0')}`;
};

export async function runCampaign(
  o: CampaignOptions,
  plan: CampaignPlan,
  stack: { cfg: StackConfig; env: Record<string, string> },
  say: (line: string) => void,
  aborted: AbortSignal,
): Promise<CampaignResult> {
  const { cfg, env } = stack;
  const runTag = `chaos-${o.seed}-${Date.now().toString(36)}`;
  const logFile = join(cfg.logDir, 'chaos', `${runTag}.log`);
  const pool = createPool(env.DATABASE_URL!, silentLogger(), 8);
  const connection = new Connection(env.SOLANA_RPC_URL!, { commitment: 'confirmed', disableRetryOnRateLimit: true });
  const kafka = new Kafka({ clientId: 'chainsync-chaos', brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const registry = createRegistry(env.SCHEMA_REGISTRY_URL!);
  const api = createOpsApi({ authority: loadKeypairFile(env.AUTHORITY_KEYPAIR_PATH!).publicKey });
  const wallets = await createCampaignWallets(pool, connection, loadMasterSeedFile(env.CUSTODIAL_SEED_PATH!), CAMPAIGN_WALLETS, runTag);
  const walletCount = CAMPAIGN_WALLETS.custodial + CAMPAIGN_WALLETS.outside;
  const ticketId = (ticket: number) => `${runTag}-t${ticket}`;
  for (const op of plan.workload)
    if (op.kind === 'platform' && op.request.type === 'mint') await createTicket(pool, { id: ticketId(op.request.ticket), eventId: runTag });

  say(`services: ${o.instances} instance(s) each of ${SERVICES.join(', ')}; their logs: ${logFile}`);
  const fleet = await startFleet({ ...process.env, ...env, ...SERVICE_ENV }, o.instances, logFile);
  const injected = new Map<FaultKind, number>();
  const missed: string[] = [];
  try {
    await fleet.ready(180_000);
    say('services ready; the campaign starts');
    const t0 = Date.now();
    const now = () => Date.now() - t0;
    const { schedule } = plan;

    // Each event at its time. A heal waits for its own injection (a part must be down before it
    // comes back) and comes as long after it as planned; stack outages also wait their turn.
    const injectSettled = new Map(schedule.events.filter((e) => e.step === 'inject').map((e) => [e.id, deferred<void>()]));
    const plannedAt = new Map(schedule.events.filter((e) => e.step === 'inject').map((e) => [e.id, e.at]));
    const injectedAt = new Map<number, number>();
    const lane = new StackLane();
    const partOf = (e: FaultEvent): StackPart | null => (e.fault.kind.startsWith('outage:') ? (e.fault as { part: StackPart }).part : null);

    const apply = async (e: FaultEvent): Promise<void> => {
      const { kind, ...detail } = e.fault;
      try {
        const applied = await applyAction(actionFor(e, wallets.address), { fleet, cfg, rpcUrl: env.SOLANA_RPC_URL! });
        if (applied.done && e.step === 'inject') injected.set(kind, (injected.get(kind) ?? 0) + 1);
        if (!applied.done) missed.push(`${clock(e.at)} ${e.step} ${kind}: ${applied.why}`);
        say(
          `  ${clock(now())}  ${e.step.padEnd(6)} ${kind.padEnd(24)} ${JSON.stringify(detail)}${applied.done ? (applied.detail ? ` (${applied.detail})` : '') : ` — skipped: ${applied.why}`}`,
        );
      } catch (err) {
        missed.push(`${clock(e.at)} ${e.step} ${kind}: ${(err as Error).message}`);
        say(`  ${clock(now())}  ${e.step.padEnd(6)} ${kind.padEnd(24)} failed: ${(err as Error).message}`);
      }
    };

    const inject = async (e: FaultEvent): Promise<void> => {
      await sleep(Math.max(0, e.at - now()), undefined, { signal: aborted }).catch(() => undefined);
      if (aborted.aborted) return;
      const part = partOf(e);
      if (part) {
        const occupies = (e.fault as { ms: number }).ms + DEFAULT_TIMING.recoveryMs[part];
        if (!(await lane.enter(e.id, schedule.quietFromMs - occupies, now))) {
          missed.push(`${clock(e.at)} inject ${e.fault.kind}: the outage before it came back too late to fit this one before the quiet period`);
          say(`  ${clock(now())}  inject ${e.fault.kind.padEnd(24)} not injected: the outage before it came back too late`);
          return;
        }
      }
      await apply(e);
      injectedAt.set(e.id, now());
    };

    const heal = async (e: FaultEvent): Promise<void> => {
      await injectSettled.get(e.id)!.promise;
      const at = injectedAt.get(e.id);
      if (at === undefined) return; // never injected: nothing to undo
      const wait = at + (e.at - plannedAt.get(e.id)!) - now();
      if (wait > 0) await sleep(wait, undefined, { signal: aborted }).catch(() => undefined);
      await apply(e);
      const part = partOf(e);
      if (part)
        void sleep(DEFAULT_TIMING.recoveryMs[part], undefined, { signal: aborted })
          .catch(() => undefined)
          .then(() => lane.leave(e.id));
    };

    const faults = schedule.events.map((e) => (e.step === 'heal' ? heal(e) : inject(e).finally(() => injectSettled.get(e.id)!.resolve())));

    const driven = driveWorkload(plan.workload, {
      pool,
      api,
      connection,
      wallets,
      ticketId,
      keyOf: (key) => `${runTag}:${key}`,
      now,
      untilMs: schedule.quietFromMs,
      signal: aborted,
      say,
    });
    const progress = setInterval(() => say(`  ${clock(now())}  workload and faults running (quiet from ${clock(schedule.quietFromMs)})`), 30_000);
    const [workload] = await Promise.all([driven, Promise.all(faults)]).finally(() => clearInterval(progress));
    say(`  ${clock(now())}  quiet: workload done (${workload.requests.length} platform requests, ${workload.outside.length} outside transfers), faults healed`);

    // The ledger, until it comes out consistent or the settling time is up.
    const deadline = schedule.durationMs + settleMsFor(schedule.durationMs);
    for (;;) {
      const results = checkLedger(
        await gatherLedger(
          {
            pool,
            connection,
            kafka,
            registry,
            walletAddresses: Array.from({ length: walletCount }, (_, w) => wallets.address(w)),
          },
          workload,
        ),
      );
      const left = violationCount(results);
      if (left === 0 || now() > deadline || aborted.aborted) return { injected, missed, results, logFile };
      const byCheck = results.filter((r) => r.violations.length).map((r) => `${r.name}: ${r.violations.length}`);
      say(
        `  ${clock(now())}  settling: ${left} violation(s) left (${byCheck.join('; ')}); checking again in ${LEDGER_POLL_MS / 1000} s, until ${clock(deadline)}`,
      );
      await sleep(LEDGER_POLL_MS);
    }
  } finally {
    // Undo whatever may still be in force, then stop the fleet.
    for (const service of SERVICES) for (let i = 0; i < o.instances; i++) fleet.signal(service, i, 'SIGCONT');
    await clearChainFaults(env.SOLANA_RPC_URL!).catch(() => undefined);
    for (const part of STACK_PARTS) await bringUp(cfg, part).catch((err: unknown) => say(`✗ ${part} did not come back: ${(err as Error).message}`));
    const clean = await fleet.stop();
    if (!clean) say(`note: not every service instance stopped cleanly (see ${logFile})`);
    await pool.end();
  }
}
