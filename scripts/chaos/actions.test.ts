import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { type AdminApi, applyFaults } from '../../services/localnet/admin.ts';
import { emptyFaults } from '../../services/localnet/faults.ts';
import { actionFor } from './actions.ts';
import { FAULT_KINDS } from './fault-kinds.ts';
import { MAX_SEED } from './prng.ts';
import { buildSchedule } from './schedule.ts';

const schedule = fc
  .record({ seed: fc.integer({ min: 0, max: MAX_SEED }), minutes: fc.integer({ min: 2, max: 20 }) })
  .map(({ seed, minutes }) => buildSchedule({ seed, minutes, instances: 2, kinds: FAULT_KINDS, wallets: 4 }));

// Base58 addresses of the campaign's four wallets.
const WALLETS = [
  '11111111111111111111111111111111',
  'So11111111111111111111111111111111111111112',
  'Vote111111111111111111111111111111111111111',
  'Stake11111111111111111111111111111111111111',
];

/** The local chain's admin endpoint over a fault state of its own, recording what each call armed. */
function fakeChain() {
  const state = emptyFaults();
  const api: AdminApi = {
    dropNextTransactions: (n) => void (state.dropNextTransactions = n),
    dropTransactionsTouching: (account, count) => void (count === 0 ? state.dropTouching.delete(account) : state.dropTouching.set(account, count)),
    failMethod: (m, spec) =>
      void (spec === null
        ? state.failures.delete(m)
        : state.failures.set(m, { remaining: spec?.count ?? null, code: spec?.code ?? 0, message: spec?.message ?? '' })),
    rateLimitMethod: () => undefined,
    delayMethod: (m, ms) => void (ms <= 0 ? state.delaysMs.delete(m) : state.delaysMs.set(m, ms)),
    stallSlots: (s) => void (state.slotsStalled = s),
    congest: (level) => void (state.congestionMicroLamports = level),
    closeWebSockets: () => 0,
    fork: () => [],
    abandonConfirmed: () => {
      throw new Error('not used');
    },
    clearFaults: () => undefined,
    advanceSlots: () => ({ slot: 0, height: 0 }),
    seedNftHoldings: () => [],
    saveSnapshot: () => null,
    describe: () => null,
  };
  return { state, api };
}

describe('actionFor', () => {
  test.prop([schedule])('every chain action is a body the admin endpoint accepts, and the heals leave no fault armed', (s) => {
    const chain = fakeChain();
    for (const e of s.events) {
      const a = actionFor(e, (w) => WALLETS[w]!);
      if (a.type === 'chain') applyFaults(chain.api, a.body);
    }
    expect(chain.state.dropTouching.size + chain.state.failures.size + chain.state.delaysMs.size).toBe(0);
    expect(chain.state.slotsStalled).toBe(false);
  });

  test.prop([schedule])('every stopped service is continued and every stopped part started again', (s) => {
    const down = new Map<string, number>();
    for (const e of s.events) {
      const a = actionFor(e, (w) => WALLETS[w]!);
      if (a.type === 'chain') continue;
      const key = a.type === 'signal' ? `${a.service}/${a.instance}` : a.part;
      const delta = a.type === 'signal' ? { SIGSTOP: 1, SIGCONT: -1, SIGKILL: 0 }[a.signal] : a.verb === 'start' ? -1 : 1;
      down.set(key, (down.get(key) ?? 0) + delta);
      expect(down.get(key)).toBeGreaterThanOrEqual(0);
      expect(down.get(key)).toBeLessThanOrEqual(1);
    }
    for (const [key, n] of down) expect(n, key).toBe(0);
  });

  test.prop([schedule])('Postgres goes down with -m immediate, the broker and Connect are killed', (s) => {
    for (const e of s.events.filter((ev) => ev.step === 'inject' && ev.fault.kind.startsWith('outage:'))) {
      const down: Record<string, string> = { 'outage:postgres': 'stop-immediate', 'outage:kafka': 'kill', 'outage:connect': 'kill', 'outage:registry': 'stop' };
      expect(actionFor(e, (w) => WALLETS[w]!)).toEqual({ type: 'stack', part: e.fault.kind.slice('outage:'.length), verb: down[e.fault.kind] });
    }
  });
});
