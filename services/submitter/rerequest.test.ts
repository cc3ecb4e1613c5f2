import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { judgeRerequest } from './intake.ts';
import type { GenerationRow } from './store.ts';

const rowArb = fc.record({
  state: fc.constantFrom<GenerationRow['state']>('pending', 'submitted', 'confirmed', 'finalized', 'failed'),
  failureKind: fc.constantFrom<GenerationRow['failureKind']>(null, 'invalid_input', 'permanent', 'exhausted'),
});

test.prop([rowArb])('a re-request runs an op again only after an exhausted failure; other failures are refused; the rest goes on', (row) => {
  const verdict = judgeRerequest(row);
  if (row.state !== 'failed') expect(verdict).toBe('raise');
  else expect(verdict).toBe(row.failureKind === 'exhausted' ? 'reopen' : 'refuse');
});
