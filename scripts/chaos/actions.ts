// What the runner does for each event of the schedule, as plain values: a signal to one service
// instance, a verb for one stack part, or a body for the local chain's POST /admin/faults. The
// runner executes them; this file only decides them.
import type { Service, StackPart } from './fault-kinds.ts';
import type { FaultEvent } from './schedule.ts';

export type Action =
  | { type: 'signal'; service: Service; instance: number; signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT' }
  /** kill: SIGKILL the part's process (Kafka, Connect); stop-immediate: pg_ctl stop -m immediate; stop: a clean stop; start: bring it back. */
  | { type: 'stack'; part: StackPart; verb: 'kill' | 'stop-immediate' | 'stop' | 'start' }
  | { type: 'chain'; body: Record<string, unknown> };

/** How each part goes down: the broker and Connect die (no clean leave), Postgres crashes, the registry is stopped. */
const DOWN: Record<StackPart, 'kill' | 'stop-immediate' | 'stop'> = { kafka: 'kill', connect: 'kill', postgres: 'stop-immediate', registry: 'stop' };

/** `walletAddress` maps the schedule's wallet numbers to the campaign's own addresses, so a drop never touches anyone else's transactions. */
export function actionFor(e: FaultEvent, walletAddress: (wallet: number) => string): Action {
  const f = e.fault;
  const inject = e.step === 'inject';
  switch (f.kind) {
    case 'chain:ws-cut':
      return { type: 'chain', body: { closeWebSockets: { refuseMs: f.refuseMs } } };
    case 'chain:drop-transactions':
      return { type: 'chain', body: { dropTransactions: { account: walletAddress(f.wallet), count: inject ? f.count : 0 } } };
    case 'chain:rpc-delay':
      return { type: 'chain', body: { delayMethods: { [f.method]: inject ? f.delayMs : 0 } } };
    case 'chain:fail-method':
      return {
        type: 'chain',
        body: { failMethods: { [f.method]: inject ? { count: f.count, code: -32603, message: 'chaos: injected failure' } : null } },
      };
    case 'chain:slot-stall':
      return { type: 'chain', body: { stallSlots: inject } };
    case 'chain:fork':
      return { type: 'chain', body: { fork: true } };
    default:
      if ('part' in f) return { type: 'stack', part: f.part, verb: inject ? DOWN[f.part] : 'start' };
      if ('ms' in f) return { type: 'signal', service: f.service, instance: f.instance, signal: inject ? 'SIGSTOP' : 'SIGCONT' };
      return { type: 'signal', service: f.service, instance: f.instance, signal: 'SIGKILL' };
  }
}
