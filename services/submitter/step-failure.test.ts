import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, PermanentError, RetryableError } from '../lib/errors.ts';
import { backoffPolicy } from '../lib/retry.ts';
import { RpcFailure } from '../lib/solana/rpc-pool.ts';
import { classifyStepFailure, decideStepFailure, parkedReason, type StepFailure, type StepFailureInput } from './step-failure.ts';

const backoff = backoffPolicy({ initialMs: 500, maxMs: 10_000, jitter: 0.5, maxAttempts: Number.MAX_SAFE_INTEGER });
const failureArb: fc.Arbitrary<StepFailure> = fc.oneof(
  fc.constant({ kind: 'transient' as const }),
  fc.constant({ kind: 'permanent' as const }),
  fc.record({ kind: fc.constant('internal' as const), cause: fc.constantFrom('programming', 'statement' as const), key: fc.string() }),
);
const inputArb: fc.Arbitrary<StepFailureInput> = fc.record({
  failure: failureArb,
  occurrences: fc.integer({ min: 1, max: 200 }),
  parkAfter: fc.integer({ min: 1, max: 100 }),
  mayBeOnChain: fc.boolean(),
  retry: fc.integer({ min: 1, max: 1_000 }),
  backoff: fc.constant(backoff),
  random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
});

describe('after a failed step', () => {
  test.prop([inputArb])('an operation that may be on chain is never failed: the chain decides', (i) => {
    if (i.mayBeOnChain) expect(decideStepFailure(i).kind).not.toBe('fail');
  });

  test.prop([inputArb])('a transient failure is tried again, never parked or failed', (i) => {
    if (i.failure.kind === 'transient') expect(decideStepFailure(i).kind).toBe('retry');
  });

  test.prop([fc.integer({ min: 1, max: 100 }), fc.boolean(), fc.constantFrom('programming', 'statement' as const)])(
    'the same internal error is tried again parkAfter - 1 times, then the operation is parked',
    (parkAfter, mayBeOnChain, cause) => {
      let retries = 0;
      for (let occurrences = 1; ; occurrences++) {
        const v = decideStepFailure({
          failure: { kind: 'internal', cause, key: 'TypeError: x is undefined' },
          occurrences,
          parkAfter,
          mayBeOnChain,
          retry: occurrences,
          backoff,
          random: 0.5,
        });
        if (v.kind === 'park') break;
        expect(v.kind).toBe('retry');
        retries++;
      }
      expect(retries).toBe(parkAfter - 1);
    },
  );

  test.prop([inputArb])('a retry waits by the shared backoff', (i) => {
    const v = decideStepFailure(i);
    if (v.kind !== 'retry') return;
    const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.multiplier ** (i.retry - 1));
    expect(v.delayMs).toBeGreaterThanOrEqual(base * (1 - backoff.jitter));
    expect(v.delayMs).toBeLessThanOrEqual(base);
  });

  it('a permanent failure fails an operation with nothing on chain, and parks one that may be', () => {
    const i = { failure: { kind: 'permanent' as const }, occurrences: 0, parkAfter: 3, retry: 1, backoff, random: 0 };
    expect(decideStepFailure({ ...i, mayBeOnChain: false })).toEqual({ kind: 'fail' });
    expect(decideStepFailure({ ...i, mayBeOnChain: true })).toEqual({ kind: 'park' });
  });
});

describe('what a failed step was', () => {
  const pg = (code: string) => Object.assign(new Error(`pg ${code}`), { code, severity: 'ERROR' });

  it('a bug is internal, and the same bug has the same key', () => {
    for (const err of [new TypeError('a is undefined'), new RangeError('bad'), new SyntaxError('bad json'), new ReferenceError('x is not defined')]) {
      expect(classifyStepFailure(err)).toMatchObject({ kind: 'internal', cause: 'programming' });
    }
    expect(classifyStepFailure(new TypeError('a is undefined'))).toEqual(classifyStepFailure(new TypeError('a is undefined')));
    expect(classifyStepFailure(new TypeError('a is undefined'))).not.toEqual(classifyStepFailure(new TypeError('b is undefined')));
  });

  it('a bug inside an RPC call is internal; what the chain or the network said is transient', () => {
    const wrapped = new RpcFailure(
      { kind: 'unknown', reason: 'x' },
      'http://rpc',
      'getLatestBlockhash',
      new TypeError('c.getLatestBlockhash is not a function'),
    );
    expect(classifyStepFailure(wrapped)).toEqual({ kind: 'internal', cause: 'programming', key: 'TypeError: c.getLatestBlockhash is not a function' });
    expect(classifyStepFailure(new RpcFailure({ kind: 'retryable', reason: 'timeout' }, 'http://rpc', 'getBlockHeight', new Error('timeout')))).toEqual({
      kind: 'transient',
    });
    expect(classifyStepFailure(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toEqual({ kind: 'transient' });
    expect(classifyStepFailure(new RetryableError('busy'))).toEqual({ kind: 'transient' });
  });

  it('a statement refused the same way every time is internal; a lost connection or a deadlock is transient', () => {
    expect(classifyStepFailure(pg('23505'))).toMatchObject({ kind: 'internal', cause: 'statement', key: 'SQLSTATE 23505: Error: pg 23505' });
    expect(classifyStepFailure(pg('42703'))).toMatchObject({ kind: 'internal', cause: 'statement' });
    for (const code of ['08006', '40P01', '40001', '53300', '57P01']) expect(classifyStepFailure(pg(code))).toEqual({ kind: 'transient' });
    expect(classifyStepFailure(new Error('Connection terminated unexpectedly'))).toEqual({ kind: 'transient' });
  });

  it('a refusal of the request itself is permanent', () => {
    expect(classifyStepFailure(new PermanentError('not a custodial wallet'))).toEqual({ kind: 'permanent' });
    expect(classifyStepFailure(new InvalidInputError('bad'))).toEqual({ kind: 'permanent' });
  });

  it('the reason recorded names the error and where it was thrown', () => {
    expect(parkedReason(new TypeError('a is undefined'))).toMatch(/^TypeError: a is undefined \(at .+\)$/);
  });
});
