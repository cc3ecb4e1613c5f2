import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { compareStatus, isFinalState, OPERATION_EVENT_STATES } from '../lib/domain/operation-status.ts';
import { advances, applyStatus, reduceStatuses, type OperationStatus, type OpRow } from './op-status.ts';

const OP = '00000000-0000-4000-8000-000000000001';
const fresh: OpRow = {
  opId: OP,
  state: 'requested',
  generation: 1,
  attempts: 0,
  lastSignature: null,
  lastSlot: null,
  lastError: null,
  lastErrorKind: null,
  confirmedAt: null,
  updatedAt: 0,
};

let clock = 0;
const event = (state: OperationStatus['state'], attempt: number, generation = 1): OperationStatus => ({
  opId: OP,
  idempotencyKey: 'k',
  mint: 'm',
  type: 'mint',
  state,
  expectedOwner: null,
  signature: `sig-${attempt}`,
  attempt,
  slot: state === 'confirmed' || state === 'finalized' ? 100 + attempt : null,
  error: state === 'expired' || state === 'failed' ? `${state} ${attempt}` : null,
  at: ++clock,
  generation,
});

/** What a submitter can emit for one operation: attempts that expire or fail, then an outcome. */
const historyArb = fc
  .record({
    failedAttempts: fc.array(fc.constantFrom('expired' as const, 'failed' as const), { maxLength: 4 }),
    end: fc.constantFrom('submitted', 'confirmed', 'finalized', 'dead_lettered', 'expired'),
  })
  .map(({ failedAttempts, end }) => {
    const events: OperationStatus[] = [];
    failedAttempts.forEach((how, i) => events.push(event('submitted', i + 1), event(how, i + 1)));
    const last = failedAttempts.length + 1;
    if (end === 'dead_lettered') events.push(event('dead_lettered', Math.max(1, failedAttempts.length)));
    else {
      events.push(event('submitted', last));
      if (end === 'expired') events.push(event('expired', last));
      if (end === 'confirmed' || end === 'finalized') events.push(event('confirmed', last));
      if (end === 'finalized') events.push(event('finalized', last));
    }
    return events;
  });

const deliveryArb = historyArb.chain((h) =>
  fc
    .tuple(fc.constant(h), fc.shuffledSubarray(h))
    .chain(([all, dups]) => fc.tuple(fc.constant(all), fc.shuffledSubarray([...all, ...dups], { minLength: all.length + dups.length }))),
);

const anyEventArb = fc
  .record({ state: fc.constantFrom(...OPERATION_EVENT_STATES), attempt: fc.integer({ min: 1, max: 5 }), generation: fc.integer({ min: 1, max: 3 }) })
  .map(({ state, attempt, generation }) => event(state, attempt, generation));

/**
 * A first generation whose attempts all expired unseen (exhausted: failed), then a re-request:
 * the second generation's attempts continue the numbering (the submitter keeps the history) and
 * start by expiring the last old attempt again before signing a new one.
 */
const regenArb = fc
  .record({
    firstAttempts: fc.integer({ min: 1, max: 3 }),
    expiredAgain: fc.nat({ max: 2 }),
    end: fc.constantFrom('submitted', 'confirmed', 'finalized', 'failed'),
  })
  .map(({ firstAttempts, expiredAgain, end }) => {
    const first: OperationStatus[] = [];
    for (let a = 1; a <= firstAttempts; a++) first.push(event('submitted', a), ...(a < firstAttempts ? [event('expired', a)] : []));
    first.push({ ...event('failed', firstAttempts), errorKind: 'exhausted' });
    const second: OperationStatus[] = [event('expired', firstAttempts, 2)];
    let a = firstAttempts;
    for (let i = 0; i < expiredAgain; i++) second.push(event('submitted', ++a, 2), event('expired', a, 2));
    second.push(event('submitted', ++a, 2));
    if (end === 'failed') second.push({ ...event('failed', a, 2), errorKind: 'exhausted' });
    if (end === 'confirmed' || end === 'finalized') second.push(event('confirmed', a, 2));
    if (end === 'finalized') second.push(event('finalized', a, 2));
    return { first, second };
  });

/** The API's re-request: the row is at the new generation, requested again, before any of its events. */
const requestedAgain = (row: OpRow): OpRow => ({ ...row, state: 'requested', generation: row.generation + 1, lastError: null });

const run = (events: readonly OperationStatus[], from = fresh) => reduceStatuses(new Map([[OP, from]]), events).rows.get(OP) ?? from;

const position = (r: OpRow) => ({ state: r.state, attempt: r.attempts, generation: r.generation });

describe('operation status transitions', () => {
  test.prop([deliveryArb])('state and attempts do not depend on order or duplicates', ([history, delivered]) => {
    const inOrder = run(history);
    const shuffled = run(delivered);
    expect({ state: shuffled.state, attempts: shuffled.attempts }).toEqual({ state: inOrder.state, attempts: inOrder.attempts });
  });

  test.prop([historyArb])('replaying the history changes nothing', (history) => {
    const once = run(history);
    expect(reduceStatuses(new Map([[OP, once]]), history).rows.size).toBe(0);
  });

  test.prop([fc.array(anyEventArb, { maxLength: 30 })])('never moves backwards, whatever arrives', (events) => {
    let row = fresh;
    for (const e of events) {
      const next = applyStatus(row, e) ?? row;
      expect(compareStatus(position(next), position(row))).toBeGreaterThanOrEqual(0);
      // Final for its generation: nothing in flight or confirmed of it moves the row.
      if (isFinalState(row.state) && !isFinalState(e.state) && (e.generation ?? 1) <= row.generation) expect(next).toBe(row);
      row = next;
    }
  });

  it('confirmed moves on to finalized but not back to an older step or another attempt step', () => {
    const confirmed = run([event('submitted', 1), event('confirmed', 1)]);
    expect(confirmed.state).toBe('confirmed');
    expect(confirmed.confirmedAt).not.toBeNull();
    expect(advances(confirmed, event('submitted', 2))).toBe(false);
    expect(advances(confirmed, event('expired', 1))).toBe(false);
    expect(run([event('finalized', 1)], confirmed).state).toBe('finalized');
  });

  it('a newer attempt supersedes an older one; the older one arriving late is ignored', () => {
    const row = run([event('submitted', 1), event('expired', 1), event('submitted', 2), event('expired', 1), event('submitted', 1)]);
    expect(row).toMatchObject({ state: 'submitted', attempts: 2, lastSignature: 'sig-2', lastError: 'expired 1' });
  });

  it('terminal states stick', () => {
    expect(run([event('dead_lettered', 1), event('submitted', 2), event('confirmed', 2)]).state).toBe('dead_lettered');
    expect(run([event('finalized', 1), event('dead_lettered', 3)]).state).toBe('finalized');
  });

  test.prop([regenArb.chain((h) => fc.tuple(fc.constant(h), fc.shuffledSubarray([...h.first, ...h.second, ...h.first], { minLength: 1 })))])(
    're-requested: once the row is at the new generation, the old generation arriving in any order, duplicated, changes nothing',
    ([{ first, second }, noise]) => {
      const failed = run(first);
      expect(failed.state).toBe('failed');
      const again = requestedAgain(failed);
      const inOrder = run(second, again);
      // Old-generation events mixed in anywhere, the new generation in order: the same row.
      const mixed = run([...noise.filter((e) => e.generation === 1), ...second, ...noise], again);
      expect({ state: mixed.state, generation: mixed.generation, attempts: mixed.attempts }).toEqual({
        state: inOrder.state,
        generation: 2,
        attempts: inOrder.attempts,
      });
      expect(reduceStatuses(new Map([[OP, again]]), first).rows.size).toBe(0);
    },
  );

  test.prop([regenArb])(
    'a newer generation moves a failed operation on even before the row knows it; the failed generation cannot come back',
    ({ first, second }) => {
      const failed = run(first);
      const moved = run(second, failed);
      expect(moved.generation).toBe(2);
      expect(moved.state).not.toBe('requested');
      expect(run(first, moved)).toEqual(moved);
    },
  );

  it('generation first: a newer generation moves even a final state, an older one never moves a newer', () => {
    // Was "a newer generation does not leave a terminal state". The API requests again only a
    // failed operation, so no submitter produces this history; the one order the projector and
    // the reconciler share puts the generation first, as the reconciler's did (a row of an older
    // generation, final or not, is one a newer failure will overwrite: classify.rowBehindFailure).
    expect(advances({ state: 'dead_lettered', attempts: 1, generation: 1 }, event('submitted', 2, 2))).toBe(true);
    expect(advances({ state: 'finalized', attempts: 1, generation: 1 }, event('submitted', 2, 2))).toBe(true);
    expect(advances({ state: 'submitted', attempts: 2, generation: 2 }, event('finalized', 1, 1))).toBe(false);
    // A record without a generation is the first request.
    expect(advances({ state: 'requested', attempts: 3, generation: 2 }, { ...event('failed', 3), generation: undefined })).toBe(false);
  });

  it('an unknown op id is reported, not applied', () => {
    const { rows, unknown } = reduceStatuses(new Map(), [event('submitted', 1)]);
    expect(rows.size).toBe(0);
    expect(unknown).toHaveLength(1);
  });
});
