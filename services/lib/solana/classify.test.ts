import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { classifyFailure, failureInfo, type FailureInfo } from './classify.ts';
import { RpcCallError } from './rpc-pool.ts';

const infoArb: fc.Arbitrary<FailureInfo> = fc.record(
  {
    httpStatus: fc.integer({ min: 100, max: 599 }),
    rpcCode: fc.integer({ min: -32700, max: -32000 }),
    networkCode: fc.constantFrom('ECONNRESET', 'ETIMEDOUT', 'EWHATEVER', 'TimeoutError'),
    txErr: fc.oneof(
      fc.constantFrom('BlockhashNotFound', 'InsufficientFundsForFee', 'AccountInUse', 'AccountNotFound'),
      fc.record({ InstructionError: fc.tuple(fc.nat(10), fc.record({ Custom: fc.nat(20) })) }),
    ),
    message: fc.string(),
  },
  { requiredKeys: [] },
);

describe('classifyFailure', () => {
  test.prop([infoArb])('is total and always gives a reason', (f) => {
    const c = classifyFailure(f);
    expect(['retryable', 'permanent', 'invalid_input', 'unknown']).toContain(c.kind);
    expect(c.reason.length).toBeGreaterThan(0);
  });

  it('gives a reason for an error whose message is empty (found by fast-check, seed 2090640115)', () => {
    expect(classifyFailure({ message: '' }).reason).toBe('unknown error');
    expect(classifyFailure({ message: '  ', rpcCode: -32602 }).reason).toContain('unknown error');
  });

  test.prop([infoArb, fc.constantFrom(429, 500, 502, 503, 504)])('429 and 5xx are retryable whatever else is said', (f, status) => {
    expect(classifyFailure({ ...f, httpStatus: status }).kind).toBe('retryable');
  });

  test.prop([fc.nat(10), fc.nat(200)])('any custom program error in preflight is permanent', (ix, code) => {
    const c = classifyFailure({ rpcCode: -32002, txErr: { InstructionError: [ix, { Custom: code }] } });
    expect(c.kind).toBe('permanent');
    expect(c.reason).toContain(`custom program error ${code}`);
  });

  test.prop([fc.string()])('an error with nothing to go on is unknown, never retryable (the chain decides)', (message) => {
    expect(classifyFailure({ message }).kind).toBe('unknown');
  });

  it('names the cases the submitter relies on', () => {
    expect(classifyFailure({ rpcCode: -32002, txErr: 'BlockhashNotFound' })).toMatchObject({ kind: 'retryable', blockhashNotFound: true });
    expect(classifyFailure({ rpcCode: -32002, txErr: 'InsufficientFundsForFee' }).kind).toBe('permanent');
    expect(classifyFailure({ rpcCode: -32002, txErr: { InstructionError: [1, { Custom: 4 }] } }).reason).toContain('owner does not match');
    expect(classifyFailure({ rpcCode: -32005, message: 'Node is unhealthy' }).kind).toBe('retryable');
    expect(classifyFailure({ rpcCode: -32003 }).kind).toBe('invalid_input');
    expect(classifyFailure({ networkCode: 'ECONNRESET' }).kind).toBe('retryable');
  });

  it('reads structured fields from what is thrown', () => {
    expect(failureInfo(new RpcCallError(-32002, 'sim failed', 'BlockhashNotFound'))).toMatchObject({ rpcCode: -32002, txErr: 'BlockhashNotFound' });
    expect(failureInfo(new Error('429 Too Many Requests: slow down'))).toMatchObject({ httpStatus: 429 });
    expect(failureInfo(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }))).toMatchObject({ networkCode: 'ECONNREFUSED' });
    // web3.js keeps only the text of a transport failure it wraps.
    expect(failureInfo(new Error('failed to get recent blockhash: Error: connect ECONNREFUSED 127.0.0.1:1'))).toMatchObject({ networkCode: 'ECONNREFUSED' });
    expect(failureInfo(new Error('ECONNREFUSEDX is no code'))).not.toHaveProperty('networkCode');
  });
});
