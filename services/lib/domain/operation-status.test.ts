import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  compareStatus,
  isFinalState,
  latestStatus,
  OPERATION_EVENT_STATES,
  OPERATION_STATES,
  statusSupersedes,
  type StatusPosition,
} from './operation-status.ts';

const position = fc.record({
  state: fc.constantFrom(...OPERATION_STATES),
  attempt: fc.integer({ min: 0, max: 4 }),
  generation: fc.integer({ min: 1, max: 3 }),
});
const same = (a: StatusPosition, b: StatusPosition) =>
  a.state === b.state && (a.attempt ?? 0) === (b.attempt ?? 0) && (a.generation ?? 1) === (b.generation ?? 1);

describe('the order of operation states', () => {
  test.prop([position, position])('is antisymmetric, and only the same report compares equal', (a, b) => {
    expect(Math.sign(compareStatus(a, b)) + Math.sign(compareStatus(b, a))).toBe(0);
    expect(compareStatus(a, b) === 0).toBe(same(a, b));
  });

  test.prop([position, position, position])('is transitive', (a, b, c) => {
    if (compareStatus(a, b) <= 0 && compareStatus(b, c) <= 0) expect(compareStatus(a, c)).toBeLessThanOrEqual(0);
  });

  test.prop([fc.array(position, { maxLength: 12 }), fc.func(fc.integer())])(
    'leaves an operation in the same place whatever order the reports arrive in',
    (reports, order) => {
      const shuffled = [...reports].sort((x, y) => order(x) - order(y));
      expect(latestStatus(shuffled)).toEqual(latestStatus(reports));
    },
  );

  test.prop([position, position])('a newer generation supersedes anything of an older one, final states included', (a, b) => {
    if ((b.generation ?? 1) > (a.generation ?? 1)) expect(statusSupersedes(a, b)).toBe(true);
  });

  test.prop([fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 3 })])(
    'a confirmation outranks a failure and every step in flight of its generation, whatever the attempts',
    (confirmedAt, otherAt, generation) => {
      for (const state of ['requested', 'submitted', 'expired', 'failed'] as const) {
        expect(statusSupersedes({ state, attempt: otherAt, generation }, { state: 'confirmed', attempt: confirmedAt, generation })).toBe(true);
        expect(statusSupersedes({ state: 'confirmed', attempt: confirmedAt, generation }, { state, attempt: otherAt, generation })).toBe(false);
      }
    },
  );

  it('an attempt signed after a failure may still land: it is in flight again', () => {
    expect(statusSupersedes({ state: 'failed', attempt: 2 }, { state: 'submitted', attempt: 3 })).toBe(true);
    expect(statusSupersedes({ state: 'failed', attempt: 2 }, { state: 'submitted', attempt: 2 })).toBe(false);
    expect(statusSupersedes({ state: 'failed', attempt: 2 }, { state: 'expired', attempt: 1 })).toBe(false);
  });

  test.prop([fc.constantFrom('dead_lettered', 'finalized' as const), position])('nothing of its own generation moves a final state', (final, p) => {
    expect(isFinalState(final)).toBe(true);
    const at = { state: final, attempt: p.attempt, generation: p.generation };
    if (statusSupersedes(at, p)) expect(p.generation > at.generation || (final === 'dead_lettered' && p.state === 'finalized')).toBe(true);
  });

  it('final: finalized above dead_lettered above confirmed', () => {
    expect(statusSupersedes({ state: 'confirmed', attempt: 5 }, { state: 'dead_lettered', attempt: 1 })).toBe(true);
    expect(statusSupersedes({ state: 'dead_lettered', attempt: 5 }, { state: 'finalized', attempt: 1 })).toBe(true);
    expect(OPERATION_STATES.filter(isFinalState)).toEqual(['finalized', 'dead_lettered']);
  });

  it('the reported states are the symbols of schemas/operation-status.avsc', () => {
    const avsc = JSON.parse(readFileSync(new URL('../../../schemas/operation-status.avsc', import.meta.url), 'utf8')) as {
      fields: Array<{ name: string; type: { symbols?: string[] } }>;
    };
    expect([...(avsc.fields.find((f) => f.name === 'state')?.type.symbols ?? [])].sort()).toEqual([...OPERATION_EVENT_STATES].sort());
  });
});
