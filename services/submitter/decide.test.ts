import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { decideAttempt, type AttemptView, type SigStatus } from './decide.ts';

const statusArb: fc.Arbitrary<SigStatus | null> = fc.option(
  fc.record({
    slot: fc.nat(),
    err: fc.constantFrom(null, { InstructionError: [1, { Custom: 4 }] }),
    confirmationStatus: fc.constantFrom('processed' as const, 'confirmed' as const, 'finalized' as const),
  }),
  { nil: null },
);

const inputArb = fc
  .record({
    n: fc.integer({ min: 0, max: 5 }),
    lvbh: fc.integer({ min: 0, max: 1_000 }),
    heightDelta: fc.integer({ min: -200, max: 200 }),
    statuses: fc.array(statusArb, { minLength: 5, maxLength: 5 }),
    sentAgo: fc.option(fc.nat({ max: 10_000 }), { nil: null }),
    maxAttempts: fc.integer({ min: 1, max: 6 }),
  })
  .map(({ n, lvbh, heightDelta, statuses, sentAgo, maxAttempts }) => {
    const attempts: AttemptView[] = Array.from({ length: n }, (_, i) => ({
      attempt: i + 1,
      signature: `sig${i + 1}`,
      lastValidBlockHeight: lvbh + i * 150,
      sentAt: sentAgo === null ? null : 100_000 - sentAgo,
    }));
    const map = new Map(attempts.map((a, i) => [a.signature, statuses[i] ?? null]));
    const latest = attempts[attempts.length - 1];
    return { attempts, statuses: map, blockHeight: (latest?.lastValidBlockHeight ?? lvbh) + heightDelta, now: 100_000, rebroadcastMs: 2_000, maxAttempts };
  });

describe('decideAttempt', () => {
  test.prop([inputArb])('re-signs (expired) only when the latest blockhash expired and no signature is found', (input) => {
    const d = decideAttempt(input);
    if (d.kind === 'expired' || d.kind === 'exhausted') {
      const latest = input.attempts[input.attempts.length - 1]!;
      expect(input.blockHeight).toBeGreaterThan(latest.lastValidBlockHeight);
      for (const a of input.attempts) expect(input.statuses.get(a.signature)).toBeNull();
    }
    if (d.kind === 'build') expect(input.attempts).toHaveLength(0);
  });

  test.prop([inputArb])('a signature confirmed on chain always wins: never rebroadcast, never re-sign', (input) => {
    const landed = input.attempts.find((a) => {
      const s = input.statuses.get(a.signature);
      return s && s.confirmationStatus !== 'processed';
    });
    const d = decideAttempt(input);
    if (landed) expect(['confirmed', 'landed_failed']).toContain(d.kind);
  });

  test.prop([inputArb])('never exceeds maxAttempts: at the limit an expiry is exhaustion', (input) => {
    const d = decideAttempt(input);
    if (d.kind === 'expired') expect(d.attempt).toBeLessThan(input.maxAttempts);
    if (d.kind === 'exhausted') expect(d.attempt).toBeGreaterThanOrEqual(input.maxAttempts);
  });

  it('rebroadcasts the same attempt while its blockhash is valid and nothing is found', () => {
    const attempts = [{ attempt: 1, signature: 's', lastValidBlockHeight: 100, sentAt: null }];
    expect(decideAttempt({ attempts, statuses: new Map([['s', null]]), blockHeight: 100, now: 0, rebroadcastMs: 1, maxAttempts: 3 })).toEqual({
      kind: 'rebroadcast',
      attempt: 1,
    });
    expect(decideAttempt({ attempts, statuses: new Map([['s', null]]), blockHeight: 101, now: 0, rebroadcastMs: 1, maxAttempts: 3 })).toEqual({
      kind: 'expired',
      attempt: 1,
    });
  });

  it('waits on a transaction seen at processed, even past its blockhash validity', () => {
    const attempts = [{ attempt: 1, signature: 's', lastValidBlockHeight: 100, sentAt: 0 }];
    const statuses = new Map([['s', { slot: 5, err: null, confirmationStatus: 'processed' as const }]]);
    expect(decideAttempt({ attempts, statuses, blockHeight: 500, now: 0, rebroadcastMs: 1, maxAttempts: 3 })).toEqual({ kind: 'wait' });
  });

  it('an older attempt that landed confirms the op even after a re-sign', () => {
    const attempts = [
      { attempt: 1, signature: 'a', lastValidBlockHeight: 100, sentAt: null },
      { attempt: 2, signature: 'b', lastValidBlockHeight: 260, sentAt: null },
    ];
    const statuses = new Map([
      ['a', { slot: 90, err: null, confirmationStatus: 'finalized' as const }],
      ['b', null],
    ]);
    expect(decideAttempt({ attempts, statuses, blockHeight: 300, now: 0, rebroadcastMs: 1, maxAttempts: 2 })).toEqual({
      kind: 'confirmed',
      attempt: 1,
      signature: 'a',
      slot: 90,
    });
  });
});
