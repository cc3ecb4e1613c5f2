import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { OPERATION_TYPES } from '../lib/domain/operation-type.ts';
import { decide, type HealingPolicy } from './policy.ts';
import type { Finding, OpState, OpType } from './types.ts';

const OP_TYPES: OpType[] = [...OPERATION_TYPES];
const policyArb: fc.Arbitrary<HealingPolicy> = fc.record({
  ownerMismatch: fc.constantFrom('heal', 'review', 'report' as const),
  failedOperation: fc.constantFrom('retry', 'review' as const),
  retryTypes: fc.subarray(OP_TYPES),
  maxRetries: fc.integer({ min: 0, max: 4 }),
});
const stuckArb: fc.Arbitrary<Finding> = fc
  .record({
    opState: fc.constantFrom<OpState>('requested', 'submitted', 'expired', 'failed', 'dead_lettered'),
    opType: fc.constantFrom(...OP_TYPES),
    generation: fc.integer({ min: 1, max: 6 }),
    errorKind: fc.constantFrom(null, 'invalid_input', 'permanent', 'exhausted' as const),
  })
  .map((r) => ({ ...r, mint: 'M', kind: 'stuck_operation', opId: 'op', dbValue: `${r.opType}:${r.opState}`, chainValue: null, slot: 1 }));

describe('healing policy for stuck and failed operations', () => {
  test.prop([stuckArb, policyArb])(
    'an operation is requested again only when it failed as exhausted, its type is retried, the policy says retry, and it has not been re-requested maxRetries times',
    (f, p) => {
      const d = decide(f, p);
      const allowed =
        f.opState === 'failed' &&
        f.errorKind === 'exhausted' &&
        p.failedOperation === 'retry' &&
        p.retryTypes.includes(f.opType!) &&
        f.generation! <= p.maxRetries;
      expect(d.action === 'retry_op').toBe(allowed);
      // A retry is open (the heal runs now); everything else about a failure is for a human.
      if (allowed) expect(d.state).toBe('open');
      if (f.opState === 'failed' && !allowed) expect(d).toMatchObject({ action: 'review', state: 'needs_review' });
      if (f.opState === 'dead_lettered') expect(d.state).toBe('needs_review');
      if (['requested', 'submitted', 'expired'].includes(f.opState!)) expect(d).toMatchObject({ action: 'open', state: 'open' });
    },
  );

  test.prop([stuckArb.filter((f) => f.opState === 'failed'), policyArb, fc.integer({ min: 1, max: 5 })])(
    'the number of automatic re-requests is bounded: past maxRetries every generation goes to review',
    (f, p, extra) => {
      expect(decide({ ...f, generation: p.maxRetries + extra }, p).action).not.toBe('retry_op');
    },
  );
});
