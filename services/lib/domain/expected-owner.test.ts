import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { expectedOwner, type LiveOperation } from './expected-owner.ts';
import { OPERATION_STATES } from './operation-status.ts';

const wallet = fc.constantFrom('alice', 'bob', 'carol');
const slot = fc.integer({ min: 0, max: 1000 });
const operation = fc.record({
  type: fc.constantFrom('mint' as const, 'transfer' as const, 'burn' as const),
  to: wallet,
  state: fc.constantFrom(...OPERATION_STATES.filter((s) => s !== 'failed' && s !== 'dead_lettered')),
  slot: fc.option(slot, { nil: null }),
});
const projected = fc.option(fc.record({ owner: fc.option(wallet, { nil: null }), slot }), { nil: undefined });
const outcome = (op: LiveOperation) => (op.type === 'burn' ? null : op.to);

describe('the owner a new transfer or burn must come from', () => {
  it('is the wallet an outside transfer moved the ticket to after the platform last moved it', () => {
    // The chaos campaign's finding: the API answered "alice is not the owner (expected bob)"
    // after bob, holding the ticket, had sent it to alice straight on chain.
    const landed: LiveOperation = { type: 'transfer', to: 'bob', state: 'confirmed', slot: 40 };
    expect(expectedOwner(landed, { owner: 'alice', slot: 52 })).toBe('alice');
  });

  test.prop([operation, projected])('is the newest operation’s outcome while it is in flight, whatever the projection shows', (op, proj) => {
    fc.pre(op.state !== 'confirmed' && op.state !== 'finalized');
    expect(expectedOwner(op, proj)).toBe(outcome(op));
  });

  test.prop([operation, projected])('is the landed operation’s outcome unless the projection is at a later slot', (op, proj) => {
    fc.pre((op.state === 'confirmed' || op.state === 'finalized') && op.slot !== null);
    const later = proj !== undefined && proj.slot > op.slot;
    expect(expectedOwner(op, proj)).toBe(later ? proj.owner : outcome(op));
  });

  test.prop([projected])('is the projection’s owner when the platform never moved the ticket', (proj) => {
    expect(expectedOwner(undefined, proj)).toBe(proj?.owner ?? null);
  });
});
