// chain-ingest, the projector and the reconciler follow one ownership precedence
// (services/lib/domain/ownership-precedence.ts): for any records or observations, in any order,
// each stands where the lib definition says, and what the ingest publishes is what the other two
// end up with.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { latestClaim, laterRecordWins } from '../../services/lib/domain/ownership-precedence.ts';
import type { OwnershipChange } from '../../services/lib/records.ts';
import { shouldPublish, type Published } from '../../services/chain-ingest/decide.ts';
import { holderTie, holdingAt, observe, sameAccountTie, type TokenObservation } from '../../services/chain-ingest/holding.ts';
import { reduceOwnership } from '../../services/projector/ownership-reducer.ts';
import { applyOwnership, emptyMintState } from '../../services/reconciler/join.ts';

const MINT = 'mint-1';
const WALLETS = ['wallet-a', 'wallet-b', 'wallet-c'];

const recordArb = fc
  .record({
    owner: fc.constantFrom(...WALLETS, null),
    slot: fc.integer({ min: 0, max: 12 }),
    commitment: fc.constantFrom('confirmed', 'finalized' as const),
    observedAt: fc.nat({ max: 1000 }),
  })
  .map((r): OwnershipChange => ({ ...r, mint: MINT, tokenAccount: r.owner && `ta-${r.owner}`, amount: r.owner ? 1 : 0, source: 'stream' }));

const observationArb = fc
  .record({ account: fc.constantFrom('ta-1', 'ta-2', 'ta-3'), held: fc.boolean(), slot: fc.integer({ min: 0, max: 5 }) })
  .map((o): TokenObservation => ({
    mint: MINT,
    tokenAccount: o.account,
    owner: o.held ? `owner-of-${o.account}` : null,
    amount: o.held ? 1n : 0n,
    slot: o.slot,
  }));

const view = (r: { owner: string | null; amount: number; slot: number; commitment: string }) => ({
  owner: r.amount > 0 ? r.owner : null,
  slot: r.slot,
  commitment: r.commitment,
});

describe('one ownership precedence', () => {
  test.prop([fc.array(recordArb, { minLength: 1, maxLength: 16 })])(
    'chain.ownership in offset order: the projector and the reconciler agree with the definition',
    (records) => {
      const expected = view(latestClaim(records, laterRecordWins)!);
      expect(view(reduceOwnership(new Map(), records).rows.get(MINT)!)).toEqual(expected);
      const chain = records.reduce(applyOwnership, emptyMintState()).chain!;
      expect({ owner: chain.owner, slot: chain.slot, commitment: chain.commitment }).toEqual(expected);
    },
  );

  test.prop([fc.array(observationArb, { minLength: 1, maxLength: 16 })])(
    "chain-ingest's observations, in any order: each account and the holder are where the definition puts them",
    (observations) => {
      const book = new Map<string, TokenObservation>();
      for (const o of observations) observe(book, o);
      for (const [account, latest] of book)
        expect(latest).toEqual(
          latestClaim(
            observations.filter((o) => o.tokenAccount === account),
            sameAccountTie,
          ),
        );
      const holder = latestClaim(
        [...book.values()].filter((o) => o.amount > 0n),
        holderTie,
      );
      const holding = holdingAt(observations)!;
      expect({ owner: holding.owner, tokenAccount: holding.tokenAccount }).toEqual({
        owner: holder?.owner ?? null,
        tokenAccount: holder?.tokenAccount ?? null,
      });
      expect(holding.slot).toBe(Math.max(...observations.map((o) => o.slot)));
    },
  );

  test.prop([fc.array(observationArb, { minLength: 1, maxLength: 16 })])(
    'what chain-ingest publishes, the projector and the reconciler end up with',
    (observations) => {
      const book = new Map<string, TokenObservation>();
      const published: OwnershipChange[] = [];
      let last: Published | undefined;
      for (const o of observations) {
        if (!observe(book, o)) continue;
        const next: Published = { ...holdingAt(book.values())!, commitment: 'confirmed' };
        if (!shouldPublish(last, next)) continue;
        published.push({
          mint: MINT,
          owner: next.owner,
          tokenAccount: next.tokenAccount,
          amount: Number(next.amount),
          slot: next.slot,
          commitment: next.commitment,
          source: 'stream',
          observedAt: published.length,
        });
        last = next;
      }
      const final = holdingAt(book.values())!;
      if (!last) {
        // Nothing announced: "nobody holds it" is never the first record of a mint.
        expect(final.owner).toBeNull();
        return;
      }
      expect(reduceOwnership(new Map(), published).rows.get(MINT)?.owner).toBe(final.owner);
      expect(published.reduce(applyOwnership, emptyMintState()).chain?.owner).toBe(final.owner);
    },
  );
});
