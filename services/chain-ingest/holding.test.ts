import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { mintLife, rereadStep, shouldPublish, sweepSliceSize, type Published } from './decide.ts';
import { holdingAt, seenSince, type TokenObservation } from './holding.ts';

const MINT = 'Mint1111';
const ACCOUNTS = ['ta-a', 'ta-b', 'ta-c', 'ta-d'];
const ownerOf = (account: string) => `wallet-of-${account}`;

/** A mint's true history: who holds it from which slot (null = burned), and what reads of it saw. */
interface History {
  changes: Array<{ slot: number; holder: string | null }>;
  observations: TokenObservation[];
}

const historyArb: fc.Arbitrary<History> = fc
  .record({
    first: fc.constantFrom(...ACCOUNTS),
    steps: fc.array(fc.record({ gap: fc.integer({ min: 1, max: 5 }), to: fc.constantFrom(...ACCOUNTS) }), { maxLength: 8 }),
    burned: fc.boolean(),
    snapshots: fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 3 }),
    start: fc.integer({ min: 1, max: 1000 }),
  })
  .map(({ first, steps, burned, snapshots, start }) => {
    const changes: History['changes'] = [{ slot: start, holder: first }];
    const observations: TokenObservation[] = [{ mint: MINT, tokenAccount: first, owner: ownerOf(first), amount: 1n, slot: start }];
    const obs = (account: string, amount: bigint, slot: number) =>
      observations.push({ mint: MINT, tokenAccount: account, owner: ownerOf(account), amount, slot });
    let slot = start;
    let holder: string | null = first;
    const moves = burned ? [...steps, { gap: 1, to: null }] : steps;
    for (const step of moves) {
      if (holder === null || step.to === holder) continue;
      slot += step.gap;
      obs(holder, 0n, slot);
      if (step.to !== null) obs(step.to, 1n, slot);
      holder = step.to;
      changes.push({ slot, holder });
    }
    // Backfill reads: every account that exists, in its state at that slot.
    for (const offset of snapshots) {
      const at = start + offset;
      const seen = new Set(observations.filter((o) => o.slot <= at).map((o) => o.tokenAccount));
      const holderAt = truthAt({ changes }, at);
      for (const account of seen) obs(account, account === holderAt ? 1n : 0n, at);
    }
    return { changes, observations };
  });

function truthAt(h: Pick<History, 'changes'>, slot: number): string | null | undefined {
  let holder: string | null | undefined;
  for (const c of h.changes) if (c.slot <= slot) holder = c.holder;
  return holder;
}

/** Any arrival order, with some observations delivered more than once. */
const arrivalArb = (h: History) =>
  fc.tuple(fc.shuffledSubarray(h.observations, { minLength: h.observations.length }), fc.array(fc.nat(), { maxLength: 6 })).map(([order, dups]) => {
    const out = [...order];
    for (const d of dups) out.splice(d % (out.length + 1), 0, order[d % order.length]!);
    return out;
  });

const withArrival = historyArb.chain((h) => fc.tuple(fc.constant(h), arrivalArb(h)));

describe('holdingAt', () => {
  test.prop([withArrival])('gives the owner at the highest slot whatever the order or duplication', ([h, arrival]) => {
    const maxSlot = Math.max(...h.observations.map((o) => o.slot));
    const holder = truthAt(h, maxSlot) ?? null;
    expect(holdingAt(arrival)).toEqual({
      owner: holder && ownerOf(holder),
      tokenAccount: holder,
      amount: holder ? 1n : 0n,
      slot: maxSlot,
    });
  });

  test.prop([historyArb, fc.integer({ min: 0, max: 80 })])('gives the owner at any earlier slot from the complete record', (h, offset) => {
    const at = (h.changes[0]?.slot ?? 0) + offset;
    const holder = truthAt(h, at) ?? null;
    expect(holdingAt(h.observations, at)?.tokenAccount).toBe(holder);
  });

  it("while the sender's update is still in flight, believes the newer claim", () => {
    const a = { mint: MINT, tokenAccount: 'ta-a', owner: 'wa', amount: 1n, slot: 3 };
    const b = { mint: MINT, tokenAccount: 'ta-b', owner: 'wb', amount: 1n, slot: 5 };
    expect(holdingAt([a, b])?.owner).toBe('wb');
    expect(holdingAt([b, a])?.owner).toBe('wb');
  });

  it('is undefined before anything was seen, and null-owned once the holder is emptied', () => {
    expect(holdingAt([])).toBeUndefined();
    const mint = { mint: MINT, tokenAccount: 'x', owner: 'w', amount: 1n, slot: 5 };
    expect(holdingAt([mint, { ...mint, amount: 0n, slot: 7 }])).toEqual({ owner: null, tokenAccount: null, amount: 0n, slot: 7 });
  });
});

describe('shouldPublish, fed one observation at a time', () => {
  const finalizeAt = fc.array(fc.nat(), { maxLength: 4 });
  const staleReads = fc.array(fc.tuple(fc.nat({ max: 12 }), fc.integer({ min: 1, max: 20 })), { maxLength: 4 });

  test.prop([withArrival, finalizeAt, staleReads])(
    'publishes non-decreasing slots and ends on the truth; replays add nothing',
    ([h, arrival], finalizes, stale) => {
      const seen: TokenObservation[] = [];
      const published: Published[] = [];
      const offer = (next: Published) => {
        if (shouldPublish(published.at(-1), next)) published.push(next);
      };
      arrival.forEach((o, i) => {
        seen.push(o);
        const holding = holdingAt(seen);
        if (holding) offer({ ...holding, commitment: 'confirmed' });
        // The root passing the last record's slot at arbitrary moments.
        const last = published.at(-1);
        if (last && finalizes.includes(i)) offer({ ...last, commitment: 'finalized' });
        // A lagging RPC node answering a re-read with an older view.
        for (const [at, back] of stale) {
          const old = at === i ? holdingAt(seen, (holding?.slot ?? 0) - back) : undefined;
          if (old) offer({ ...old, commitment: 'confirmed' });
        }
      });
      for (let i = 1; i < published.length; i++) expect(published[i]!.slot).toBeGreaterThanOrEqual(published[i - 1]!.slot);

      // A stale read may have been the last thing offered; the next notification (here: any
      // redelivery) brings the truth back, and after that further replays change nothing.
      const replay = () => {
        for (const o of arrival) {
          seen.push(o);
          offer({ ...holdingAt(seen)!, commitment: 'confirmed' });
        }
      };
      replay();
      const maxSlot = Math.max(...h.observations.map((o) => o.slot));
      const holder = truthAt(h, maxSlot) ?? null;
      const last = published.at(-1);
      if (holder !== null || last) expect(last?.tokenAccount ?? null).toBe(holder);
      for (let i = 1; i < published.length; i++) expect(published[i]!.slot).toBeGreaterThanOrEqual(published[i - 1]!.slot);

      const before = published.length;
      replay();
      expect(published.length).toBe(before);
    },
  );

  it('refuses an older slot even with a different owner, and a repeat of the same finality', () => {
    const last: Published = { owner: 'b', tokenAccount: 'tb', amount: 1n, slot: 10, commitment: 'confirmed' };
    expect(shouldPublish(last, { ...last, owner: 'a', tokenAccount: 'ta', slot: 9 })).toBe(false);
    expect(shouldPublish(last, { ...last, slot: 12 })).toBe(false);
    expect(shouldPublish(last, { ...last, commitment: 'finalized' })).toBe(true);
    expect(shouldPublish({ ...last, commitment: 'finalized' }, { ...last, commitment: 'finalized' })).toBe(false);
    expect(shouldPublish(undefined, { owner: null, tokenAccount: null, amount: 0n, slot: 3, commitment: 'confirmed' })).toBe(false);
  });
});

describe('the first record of a mint', () => {
  const holdingArb = fc.record({
    owner: fc.option(fc.constantFrom('a', 'b'), { nil: null }),
    tokenAccount: fc.option(fc.constantFrom('ta', 'tb'), { nil: null }),
    amount: fc.constantFrom(0n, 1n),
    slot: fc.nat({ max: 50 }),
    commitment: fc.constantFrom('confirmed' as const, 'finalized' as const),
  });
  const mintArb = fc.option(fc.record({ supply: fc.constantFrom(0n, 1n), mintAuthority: fc.option(fc.constant('auth'), { nil: null }) }), { nil: null });

  test.prop([holdingArb, mintArb])(
    'announces "nobody holds it" first only for a mint its account says was burned (issue 14: minted and burned while chain-ingest was down)',
    (next, account) => {
      const life = mintLife(account);
      expect(shouldPublish(undefined, next, life === 'burned')).toBe(next.owner !== null || life === 'burned');
      // Burned is supply 0 with no authority left: a mint that can never hold a token again.
      expect(life === 'burned').toBe(account !== null && account.supply === 0n && account.mintAuthority === null);
    },
  );

  test.prop([holdingArb, holdingArb])('once something was published, a burn read changes nothing about what follows', (last, next) => {
    expect(shouldPublish(last, next, true)).toBe(shouldPublish(last, next));
  });
});

describe('seenSince', () => {
  test.prop([fc.array(fc.nat({ max: 100 }), { maxLength: 6 }), fc.nat({ max: 100 })])(
    'is true exactly when an observation is at or after the slot, whatever their order',
    (slots, slot) => {
      const obs = slots.map((s, i): TokenObservation => ({ mint: 'm', tokenAccount: `ta-${i}`, owner: null, amount: 0n, slot: s }));
      expect(seenSince(obs, slot)).toBe(slots.some((s) => s >= slot));
      expect(seenSince([...obs].reverse(), slot)).toBe(seenSince(obs, slot));
    },
  );
});

describe('rereadStep', () => {
  const lastArb = fc.option(
    fc.record({
      owner: fc.option(fc.constant('w'), { nil: null }),
      tokenAccount: fc.constant(null),
      amount: fc.constant(0n),
      slot: fc.nat(),
      commitment: fc.constantFrom('confirmed' as const, 'finalized' as const),
    }),
    { nil: undefined },
  );
  test.prop([fc.option(fc.constant('ta'), { nil: null }), fc.boolean(), lastArb, fc.boolean()])(
    "lists a mint's accounts only when no holder is known, and skips only a final burn on a sweep",
    (holderAccount, seen, last, sweep) => {
      const step = rereadStep({ holderAccount, seen, last, sweep });
      expect(step === 'holder').toBe(holderAccount !== null);
      if (step === 'skip') expect(sweep && last?.owner === null && last.commitment === 'finalized').toBe(true);
      if (step === 'exists') expect(seen).toBe(false);
      // A mint that was seen and holds nobody is never taken for "not landed".
      if (seen && holderAccount === null) expect(['scan', 'skip']).toContain(step);
    },
  );
});

describe('sweepSliceSize', () => {
  test.prop([fc.nat({ max: 1_000_000 }), fc.integer({ min: 1, max: 60_000 }), fc.integer({ min: 1, max: 3_600_000 })])(
    'reads every tracked mint within one period, with the smallest slice that does',
    (tracked, tickMs, extra) => {
      const periodMs = tickMs + extra - 1; // a period of at least one tick
      const slice = sweepSliceSize(tracked, tickMs, periodMs);
      const ticks = Math.floor(periodMs / tickMs);
      expect(slice * ticks).toBeGreaterThanOrEqual(tracked);
      expect((slice - 1) * ticks).toBeLessThan(Math.max(tracked, 1));
      expect(slice).toBeLessThanOrEqual(tracked);
    },
  );
});
