import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, type FaultKind } from './fault-kinds.ts';
import { MAX_SEED } from './prng.ts';
import { DEFAULT_TIMING, type ScheduleInput, WARMUP_MS, buildSchedule, countByKind, quietMsFor } from './schedule.ts';

const input = fc.record({
  seed: fc.integer({ min: 0, max: MAX_SEED }),
  minutes: fc.integer({ min: 1, max: 60 * 4 }).map((quarters) => quarters / 4),
  instances: fc.integer({ min: 1, max: 8 }),
  kinds: fc.subarray([...FAULT_KINDS], { minLength: 1 }),
  wallets: fc.integer({ min: 1, max: 50 }),
}) satisfies fc.Arbitrary<ScheduleInput>;

const atLeastTwoMinutes = input.chain((i) => fc.integer({ min: 8, max: 60 * 4 }).map((quarters) => ({ ...i, minutes: quarters / 4 })));

describe('buildSchedule', () => {
  test.prop([input])('the same seed gives the same schedule', (i) => {
    expect(buildSchedule(i)).toEqual(buildSchedule({ ...i, kinds: [...i.kinds] }));
  });

  test.prop([atLeastTwoMinutes, fc.integer({ min: 1_000, max: 10_000 })])(
    'a campaign of two minutes or more injects every kind given at least once (sessions up to 10 s)',
    (i, sessionTimeoutMs) => {
      const counts = countByKind(buildSchedule({ ...i, timing: { ...DEFAULT_TIMING, sessionTimeoutMs } }));
      for (const kind of i.kinds) expect(counts.get(kind) ?? 0, kind).toBeGreaterThan(0);
      expect([...counts.keys()].every((k) => i.kinds.includes(k))).toBe(true);
    },
  );

  test.prop([input])('events are in time order, within the campaign', (i) => {
    const s = buildSchedule(i);
    for (let k = 1; k < s.events.length; k++) expect(s.events[k]!.at).toBeGreaterThanOrEqual(s.events[k - 1]!.at);
    for (const e of s.events) expect(e.at >= 0 && e.at <= s.durationMs).toBe(true);
  });

  test.prop([input])('nothing happens in the warmup or the quiet period: every fault is healed and settled before it', (i) => {
    const s = buildSchedule(i);
    expect(s.quietFromMs).toBe(s.durationMs - quietMsFor(s.durationMs));
    for (const f of s.faults) {
      expect(f.at).toBeGreaterThanOrEqual(WARMUP_MS);
      expect(f.settledAt).toBeLessThanOrEqual(s.quietFromMs);
      if (f.healAt !== null) expect(f.healAt).toBeLessThanOrEqual(f.settledAt);
    }
  });

  test.prop([input])('every fault with a heal has exactly one heal event, after its injection', (i) => {
    const s = buildSchedule(i);
    for (const f of s.faults) {
      const mine = s.events.filter((e) => e.id === f.id);
      expect(mine.map((e) => e.step)).toEqual(f.healAt === null ? ['inject'] : ['inject', 'heal']);
      if (f.healAt !== null) expect(f.healAt).toBeGreaterThan(f.at);
    }
    const stops = s.events.filter((e) => e.step === 'inject' && (e.fault.kind.startsWith('outage:') || e.fault.kind.startsWith('sigstop:')));
    expect(s.events.filter((e) => e.step === 'heal' && (e.fault.kind.startsWith('outage:') || e.fault.kind.startsWith('sigstop:')))).toHaveLength(stops.length);
  });

  test.prop([input])('one part of the stack is down at a time, and it has recovered before the next goes down', (i) => {
    const outages = buildSchedule(i).faults.filter((f) => f.fault.kind.startsWith('outage:'));
    for (let k = 1; k < outages.length; k++) expect(outages[k]!.at).toBeGreaterThanOrEqual(outages[k - 1]!.settledAt);
  });

  test.prop([input])('a service is never hit again while a fault on it is still in effect', (i) => {
    const s = buildSchedule(i);
    const byService = new Map<string, typeof s.faults>();
    for (const f of s.faults) if ('service' in f.fault) byService.set(f.fault.service, [...(byService.get(f.fault.service) ?? []), f]);
    for (const faults of byService.values()) for (let k = 1; k < faults.length; k++) expect(faults[k]!.at).toBeGreaterThanOrEqual(faults[k - 1]!.settledAt);
  });

  test.prop([input, fc.integer({ min: 1_000, max: 30_000 })])('a stopped service stays stopped past the consumer session timeout', (i, sessionTimeoutMs) => {
    const s = buildSchedule({ ...i, timing: { ...DEFAULT_TIMING, sessionTimeoutMs } });
    for (const f of s.faults) if (f.fault.kind.startsWith('sigstop:')) expect(f.healAt! - f.at).toBeGreaterThan(sessionTimeoutMs);
  });

  test.prop([input])('targets exist: an instance below --instances, a wallet of the campaign; RPC delays outlast a blockhash', (i) => {
    for (const { fault } of buildSchedule(i).faults) {
      if ('instance' in fault) expect(fault.instance >= 0 && fault.instance < i.instances).toBe(true);
      if ('wallet' in fault) expect(fault.wallet >= 0 && fault.wallet < i.wallets).toBe(true);
      if ('delayMs' in fault) expect(fault.delayMs).toBeGreaterThan(DEFAULT_TIMING.blockhashLifetimeMs);
    }
  });

  it('places more faults in a longer campaign, at the lane pace', () => {
    const of = (minutes: number) => buildSchedule({ seed: 42, minutes, instances: 2, kinds: FAULT_KINDS, wallets: 10 }).faults.length;
    expect(of(2)).toBeGreaterThanOrEqual(FAULT_KINDS.length);
    expect(of(2)).toBeLessThan(2 * FAULT_KINDS.length);
    expect(of(10)).toBeGreaterThan(2 * FAULT_KINDS.length);
  });

  it('leaves a campaign of 30 s or less without faults: all of it is the quiet period', () => {
    expect(buildSchedule({ seed: 1, minutes: 0.5, instances: 1, kinds: FAULT_KINDS, wallets: 1 }).faults).toEqual([]);
  });

  it('a kind given twice is scheduled as if given once', () => {
    const kinds: FaultKind[] = ['chain:fork', 'chain:fork', 'outage:kafka'];
    const base = { seed: 9, minutes: 3, instances: 1, wallets: 1 };
    expect(buildSchedule({ ...base, kinds })).toEqual(buildSchedule({ ...base, kinds: ['chain:fork', 'outage:kafka'] }));
  });
});
