import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { latestClaim, laterRecordWins, ownershipSupersedes, type OwnershipClaim } from './ownership-precedence.ts';

type Claim = OwnershipClaim & { owner: string };
const claim = fc.record({
  slot: fc.integer({ min: 0, max: 20 }),
  commitment: fc.constantFrom('confirmed', 'finalized' as const),
  owner: fc.constantFrom('a', 'b', 'c'),
});
const byOwner = (i: Claim, c: Claim) => i.owner < c.owner;

describe('ownership precedence', () => {
  test.prop([fc.array(claim, { minLength: 1, maxLength: 15 })])('the claim that stands is at the highest slot, finalized when one there is', (claims) => {
    const top = Math.max(...claims.map((c) => c.slot));
    const won = latestClaim(claims, laterRecordWins)!;
    expect(won.slot).toBe(top);
    if (claims.some((c) => c.slot === top && c.commitment === 'finalized')) expect(won.commitment).toBe('finalized');
  });

  test.prop([fc.array(claim, { maxLength: 15 }), fc.func(fc.integer())])(
    'with a fixed order on the content, arrival order does not matter',
    (claims, order) => {
      const shuffled = [...claims].sort((x, y) => order(x) - order(y));
      expect(latestClaim(shuffled, byOwner)).toEqual(latestClaim(claims, byOwner));
    },
  );

  test.prop([claim, claim])('a lower slot never wins, and a confirmed claim never replaces a finalized one at its slot', (current, incoming) => {
    if (incoming.slot < current.slot) expect(ownershipSupersedes(current, incoming, laterRecordWins)).toBe(false);
    if (incoming.slot === current.slot && current.commitment === 'finalized' && incoming.commitment === 'confirmed')
      expect(ownershipSupersedes(current, incoming, laterRecordWins)).toBe(false);
  });

  test.prop([claim])('at one slot and commitment, the tie decides', (c) => {
    expect(ownershipSupersedes(c, { ...c, owner: 'z' }, laterRecordWins)).toBe(true);
    expect(ownershipSupersedes(c, { ...c, owner: 'z' }, () => false)).toBe(false);
  });
});
