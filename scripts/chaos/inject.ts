// Carries out the schedule's actions (actions.ts) on the real pipeline: a signal to one service
// instance, a stack part taken down or brought back, a fault body for the local chain.
import type { StackConfig } from '../stack/config.ts';
import { bringUp, takeDown } from '../stack/outage.ts';
import type { Action } from './actions.ts';
import type { Fleet } from './fleet.ts';

/** What happened: done, or why the action had nothing to act on (the instance was between restarts). */
export type Applied = { done: true; detail?: string } | { done: false; why: string };

export async function applyAction(action: Action, deps: { fleet: Fleet; cfg: StackConfig; rpcUrl: string }): Promise<Applied> {
  switch (action.type) {
    case 'signal':
      return deps.fleet.signal(action.service, action.instance, action.signal)
        ? { done: true }
        : { done: false, why: `${action.service}#${action.instance} was not running (restarting)` };
    case 'stack':
      if (action.verb === 'start') return { done: true, detail: await bringUp(deps.cfg, action.part) };
      return { done: true, detail: await takeDown(deps.cfg, action.part, action.verb) };
    case 'chain': {
      const res = await fetch(`${deps.rpcUrl}/admin/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(action.body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`POST ${deps.rpcUrl}/admin/faults ${JSON.stringify(action.body)} answered ${res.status}: ${text}`);
      return { done: true };
    }
  }
}

/** Clears every chain fault: after the campaign, or when it is interrupted. */
export async function clearChainFaults(rpcUrl: string): Promise<void> {
  await fetch(`${rpcUrl}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clear: true }) });
}
