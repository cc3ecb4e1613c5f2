// The fault schedule: from the seed, when each fault is injected and healed. Pure and
// deterministic; the runner only replays it.
//
// The campaign's time, from 0 to its length:
//   [0, WARMUP_MS)          the workload starts, no faults yet;
//   [WARMUP_MS, quietFrom)  faults; every one is healed, and its effects allowed to pass (a
//                           restarted service rejoining, a stack part recovering, a delayed
//                           answer arriving), before quietFrom;
//   [quietFrom, end)        the quiet period: no faults, the workload has stopped, and the
//                           pipeline settles before the ledger check. It is the larger of 30 s
//                           and 20% of the campaign: 30 s lets the reconciler's grace periods and
//                           a rejoin (at most 10 s) pass; 20% keeps long campaigns settling in
//                           proportion to what they did.
//
// Faults are placed on lanes: all stack outages share one lane (one part of the stack down at a
// time, so a finding points at one cause), each service has its own (a service is never killed
// while it is stopped), and each chain fault kind its own (a heal clears only its own kind). A
// lane's time is cut into equal slots, one fault per slot, each fault inside its slot with its
// effects: faults on one lane never overlap. Every kind given gets a slot first; further slots, at
// the lane's pace, get kinds drawn at random. A campaign of two minutes or more has room for every
// kind with the default timings (schedule.test.ts).
import { type FaultKind, type Fault, RPC_METHODS, type Service, type StackPart } from './fault-kinds.ts';
import { type Rng, rngFor } from './prng.ts';

export interface Timing {
  /** KAFKA_SESSION_TIMEOUT_MS (services/lib/config.ts): a stopped member is paused past it. */
  sessionTimeoutMs: number;
  /** How long a blockhash stays usable: 150 blocks of LOCALNET_SLOT_MS (400 ms by default). */
  blockhashLifetimeMs: number;
  /** From a SIGKILL to the restarted service consuming again (the supervisor's backoff and a rejoin). */
  restartMs: number;
  /** From a stack part started again to the pipeline working through it again. */
  recoveryMs: Record<StackPart, number>;
}

export const DEFAULT_TIMING: Timing = {
  sessionTimeoutMs: 6_000,
  blockhashLifetimeMs: 150 * 400,
  restartMs: 10_000,
  recoveryMs: { kafka: 12_000, connect: 12_000, postgres: 5_000, registry: 8_000 },
};

export const WARMUP_MS = 5_000;
export const MIN_QUIET_MS = 30_000;
export const QUIET_SHARE = 0.2;

/** Average time between two faults on one lane, when the campaign is long enough for more than one of each kind. */
const PACE_MS = { stack: 40_000, process: 30_000, chain: 30_000 };

export interface ScheduleInput {
  seed: number;
  minutes: number;
  /** Instances of each consumer service: a process fault hits one of them. */
  instances: number;
  kinds: readonly FaultKind[];
  /** The campaign's own wallets: a drop of transactions names one of them by number. */
  wallets: number;
  timing?: Timing;
}

export interface ScheduledFault {
  id: number;
  at: number;
  /** When it is undone (SIGCONT, the part started, the chain fault cleared); null for a fault that is over at once. */
  healAt: number | null;
  /** When its effects are over; before the quiet period. */
  settledAt: number;
  fault: Fault;
}

export interface FaultEvent {
  at: number;
  /** The fault's id: an inject and its heal share it. */
  id: number;
  step: 'inject' | 'heal';
  fault: Fault;
}

export interface Schedule {
  durationMs: number;
  quietFromMs: number;
  faults: ScheduledFault[];
  /** Injections and heals by time; at one instant, heals first (a part comes back before the next goes down). */
  events: FaultEvent[];
}

export const quietMsFor = (durationMs: number): number => Math.min(durationMs, Math.max(MIN_QUIET_MS, QUIET_SHARE * durationMs));

/** A fault as drawn, before it is placed: how long until its heal (null: none) and until its effects are over. */
interface Drawn {
  fault: Fault;
  healAfter: number | null;
  settleAfter: number;
}

const laneOf = (kind: FaultKind): string => (kind.startsWith('outage:') ? 'stack' : kind.startsWith('chain:') ? kind : `process:${kind.split(':')[1]}`);
const paceOf = (lane: string): number => (lane === 'stack' ? PACE_MS.stack : lane.startsWith('chain:') ? PACE_MS.chain : PACE_MS.process);

/** The longest a fault of this kind can occupy its lane (the upper ends of the ranges `draw` uses). */
function longest(kind: FaultKind, t: Timing): number {
  const [type, target] = kind.split(':') as [string, string];
  if (type === 'sigkill') return t.restartMs;
  if (type === 'sigstop') return Math.ceil(t.sessionTimeoutMs * 2.5) + t.restartMs;
  if (type === 'outage') return 8_000 + t.recoveryMs[target as StackPart];
  switch (target) {
    case 'ws-cut':
      return 8_000 + 2_000;
    case 'drop-transactions':
      return 20_000;
    case 'rpc-delay':
      return 5_000 + t.blockhashLifetimeMs + 8_000;
    case 'fail-method':
      return 10_000;
    case 'slot-stall':
      return 8_000 + 2_000;
    default:
      return 3_000;
  }
}

function draw(kind: FaultKind, r: Rng, input: ScheduleInput, t: Timing): Drawn {
  const [type, target] = kind.split(':') as [string, string];
  if (type === 'sigkill' || type === 'sigstop') {
    const service = target as Service;
    const instance = r.int(0, input.instances - 1);
    if (type === 'sigkill') return { fault: { kind: `sigkill:${service}`, service, instance }, healAfter: null, settleAfter: t.restartMs };
    const ms = r.int(Math.ceil(t.sessionTimeoutMs * 1.5), Math.ceil(t.sessionTimeoutMs * 2.5));
    return { fault: { kind: `sigstop:${service}`, service, instance, ms }, healAfter: ms, settleAfter: ms + t.restartMs };
  }
  if (type === 'outage') {
    const part = target as StackPart;
    const ms = r.int(3_000, 8_000);
    return { fault: { kind: `outage:${part}`, part, ms }, healAfter: ms, settleAfter: ms + t.recoveryMs[part] };
  }
  switch (target) {
    case 'ws-cut': {
      const refuseMs = r.int(1_000, 8_000);
      return { fault: { kind: 'chain:ws-cut', refuseMs }, healAfter: null, settleAfter: refuseMs + 2_000 };
    }
    case 'drop-transactions': {
      const ms = r.int(5_000, 20_000);
      return { fault: { kind: 'chain:drop-transactions', wallet: r.int(0, input.wallets - 1), count: r.int(1, 5), ms }, healAfter: ms, settleAfter: ms };
    }
    case 'rpc-delay': {
      const ms = r.int(2_000, 5_000);
      const delayMs = t.blockhashLifetimeMs + r.int(2_000, 8_000);
      // A call that came in just before the heal is answered delayMs later.
      return { fault: { kind: 'chain:rpc-delay', method: r.pick(RPC_METHODS), delayMs, ms }, healAfter: ms, settleAfter: ms + delayMs };
    }
    case 'fail-method': {
      const ms = r.int(3_000, 10_000);
      return { fault: { kind: 'chain:fail-method', method: r.pick(RPC_METHODS), count: r.int(1, 20), ms }, healAfter: ms, settleAfter: ms };
    }
    case 'slot-stall': {
      const ms = r.int(2_000, 8_000);
      return { fault: { kind: 'chain:slot-stall', ms }, healAfter: ms, settleAfter: ms + 2_000 };
    }
    default:
      return { fault: { kind: 'chain:fork' }, healAfter: null, settleAfter: 3_000 };
  }
}

function placeLane(lane: string, kinds: readonly FaultKind[], input: ScheduleInput, t: Timing, from: number, to: number): Omit<ScheduledFault, 'id'>[] {
  const r = rngFor(input.seed, `schedule:${lane}`);
  const span = to - from;
  const widest = Math.max(...kinds.map((k) => longest(k, t)));
  const slots = Math.max(kinds.length, Math.min(Math.floor(span / paceOf(lane)), Math.floor(span / widest)));
  const order = r.shuffle([...kinds, ...Array.from({ length: slots - kinds.length }, () => r.pick(kinds))]);
  const width = span / slots;
  const placed: Omit<ScheduledFault, 'id'>[] = [];
  order.forEach((kind, i) => {
    const d = draw(kind, r, input, t);
    const start = Math.ceil(from + i * width);
    const end = Math.floor(from + (i + 1) * width);
    // Too short a campaign for this fault here: left out rather than overlapping or running into the quiet period.
    if (end - start < d.settleAfter) return;
    const at = start + r.int(0, end - start - d.settleAfter);
    placed.push({ at, healAt: d.healAfter === null ? null : at + d.healAfter, settledAt: at + d.settleAfter, fault: d.fault });
  });
  return placed;
}

export function buildSchedule(input: ScheduleInput): Schedule {
  const t = input.timing ?? DEFAULT_TIMING;
  if (!Number.isInteger(input.instances) || input.instances < 1) throw new RangeError(`instances must be a positive integer, got ${input.instances}`);
  if (!Number.isInteger(input.wallets) || input.wallets < 1) throw new RangeError(`wallets must be a positive integer, got ${input.wallets}`);
  const durationMs = Math.round(input.minutes * 60_000);
  const quietFromMs = durationMs - quietMsFor(durationMs);
  const lanes = new Map<string, FaultKind[]>();
  for (const kind of new Set(input.kinds)) lanes.set(laneOf(kind), [...(lanes.get(laneOf(kind)) ?? []), kind]);
  const unplaced = [...lanes]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .flatMap(([lane, kinds]) => (quietFromMs > WARMUP_MS ? placeLane(lane, kinds, input, t, WARMUP_MS, quietFromMs) : []));
  const faults = unplaced.sort((a, b) => a.at - b.at || (a.fault.kind < b.fault.kind ? -1 : 1)).map((f, id) => ({ id, ...f }));
  const events: FaultEvent[] = faults.flatMap((f) => [
    { at: f.at, id: f.id, step: 'inject' as const, fault: f.fault },
    ...(f.healAt === null ? [] : [{ at: f.healAt, id: f.id, step: 'heal' as const, fault: f.fault }]),
  ]);
  events.sort((a, b) => a.at - b.at || (a.step === b.step ? a.id - b.id : a.step === 'heal' ? -1 : 1));
  return { durationMs, quietFromMs, faults, events };
}

/** How many faults of each kind a schedule injects: the campaign's report prints it. */
export function countByKind(s: Schedule): Map<FaultKind, number> {
  const counts = new Map<FaultKind, number>();
  for (const f of s.faults) counts.set(f.fault.kind, (counts.get(f.fault.kind) ?? 0) + 1);
  return counts;
}
