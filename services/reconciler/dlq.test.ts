import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { DLQ_MINT, dlqFinding } from './dlq.ts';
import { decide, DEFAULT_POLICY } from './policy.ts';

test.prop([fc.nat({ max: 1000 }), fc.nat({ max: 1000 }), fc.integer({ min: 1_000, max: 86_400_000 })])(
  'dlq_growth is found exactly when the window holds more dead letters than the threshold, and goes to review',
  (count, threshold, windowMs) => {
    const found = dlqFinding(count, threshold, windowMs);
    expect(found.length).toBe(count > threshold ? 1 : 0);
    for (const f of found) {
      expect(f).toMatchObject({ mint: DLQ_MINT, kind: 'dlq_growth', opId: null });
      expect(f.dbValue).toContain(`${count} dead letters`);
      expect(decide(f, DEFAULT_POLICY)).toMatchObject({ action: 'review', state: 'needs_review', severity: 'high' });
    }
  },
);
