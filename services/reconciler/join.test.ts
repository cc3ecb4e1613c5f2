import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { classify, rowBehindFailure } from './classify.ts';
import {
  applyOwnership,
  applyStatus,
  emptyMintState,
  relevantOps,
  supersedes,
  streamView,
  type MintState,
  type OwnershipEvent,
  type StatusEvent,
} from './join.ts';
import type { OpState, Thresholds, TicketView } from './types.ts';

const T: Thresholds = { graceMs: 30_000, stuckMs: 300_000, pendingMs: 3_600_000 };
const NOW = 10_000_000;
const MINT = 'Mint1111111111111111111111111111111111111111';
const wallets = ['WalletA', 'WalletB', 'WalletC'];

const statusEvent = fc
  .record({
    opId: fc.constantFrom('op-1', 'op-2', 'op-3'),
    state: fc.constantFrom('submitted', 'confirmed', 'finalized', 'expired', 'failed', 'dead_lettered' as const),
    expectedOwner: fc.constantFrom(...wallets),
    attempt: fc.integer({ min: 1, max: 3 }),
    at: fc.integer({ min: NOW - 2_000_000, max: NOW }),
  })
  .map((r): StatusEvent => ({ ...r, idempotencyKey: `k-${r.opId}`, mint: MINT, type: 'transfer', error: null }));

const ownershipEvent = fc
  .record({
    owner: fc.constantFrom(...wallets, null),
    slot: fc.integer({ min: 1, max: 50 }),
    commitment: fc.constantFrom('confirmed', 'finalized' as const),
  })
  .map((r): OwnershipEvent => ({ ...r, mint: MINT, tokenAccount: null, amount: r.owner === null ? 0 : 1, observedAt: NOW - 1_000_000 + r.slot }));

type Ev = { s: StatusEvent } | { o: OwnershipEvent };
const reduce = (events: Ev[]): MintState => events.reduce((s, e) => ('s' in e ? applyStatus(s, e.s) : applyOwnership(s, e.o)), emptyMintState());

/** Any interleaving of two sequences, each keeping its own order (what two partitions deliver). */
const interleave = <A, B>(a: A[], b: B[], picks: boolean[]): Array<A | B> => {
  const out: Array<A | B> = [];
  let i = 0;
  let j = 0;
  for (const takeA of picks) {
    if (takeA && i < a.length) out.push(a[i++]!);
    else if (j < b.length) out.push(b[j++]!);
  }
  return [...out, ...a.slice(i), ...b.slice(j)];
};

const ticket: TicketView = { id: 't-1', status: 'minted', owner: 'WalletA' };
const findings = (s: MintState) => {
  const view = streamView(MINT, s, { ticket, ops: [], lastSettledAt: null });
  return view ? classify(view, T, NOW) : [];
};

describe('the stream join', () => {
  test.prop([
    fc.array(statusEvent, { maxLength: 12 }),
    fc.array(ownershipEvent, { maxLength: 12 }),
    fc.array(fc.boolean(), { maxLength: 24 }),
    fc.array(fc.boolean(), { maxLength: 24 }),
  ])('reports the same discrepancies for any arrival order of the two streams', (status, ownership, p1, p2) => {
    const a = interleave<Ev, Ev>(
      status.map((s) => ({ s })),
      ownership.map((o) => ({ o })),
      p1,
    );
    const b = interleave<Ev, Ev>(
      status.map((s) => ({ s })),
      ownership.map((o) => ({ o })),
      p2,
    );
    expect(findings(reduce(b))).toEqual(findings(reduce(a)));
  });

  test.prop([fc.array(ownershipEvent, { minLength: 1, maxLength: 12 }), fc.func(fc.integer())])(
    'the chain owner is the one at the highest slot whatever the order of ownership records',
    (records, order) => {
      const shuffled = [...records].sort((x, y) => order(x) - order(y));
      const viaShuffled = shuffled.reduce(applyOwnership, emptyMintState()).chain;
      const viaSorted = records.reduce(applyOwnership, emptyMintState()).chain;
      expect(viaShuffled?.slot).toBe(Math.max(...records.map((r) => r.slot)));
      // Two different owners at the same top slot and commitment are a contradiction the chain
      // never produces; with distinct (slot, commitment) pairs the order cannot matter.
      const top = records.filter((r) => r.slot === viaSorted?.slot);
      if (new Set(top.map((r) => r.commitment)).size === top.length) expect(viaShuffled).toEqual(viaSorted);
    },
  );

  test.prop([
    statusEvent.filter((e) => e.state === 'submitted' || e.state === 'expired'),
    fc.integer({ min: 0, max: T.stuckMs }),
    fc.array(ownershipEvent, { minLength: 1, maxLength: 6 }),
    fc.constantFrom(...wallets, null),
  ])('reports nothing for a mint whose operation is in flight within the threshold, whatever the chain and database say', (op, age, ownership, dbOwner) => {
    const s = ownership.reduce(applyOwnership, applyStatus(emptyMintState(), { ...op, at: NOW - age }));
    const view = streamView(MINT, s, { ticket: { ...ticket, owner: dbOwner }, ops: [], lastSettledAt: null })!;
    expect(classify(view, T, NOW)).toEqual([]);
  });

  test.prop([fc.constantFrom(...wallets), fc.constantFrom(...wallets), fc.integer({ min: 0, max: T.graceMs - 1 })])(
    'reports nothing within the grace period after an operation settled',
    (chainOwner, dbOwner, age) => {
      let s = applyStatus(emptyMintState(), {
        opId: 'op-1',
        idempotencyKey: 'k',
        mint: MINT,
        type: 'transfer',
        state: 'confirmed',
        expectedOwner: chainOwner,
        attempt: 1,
        error: null,
        at: NOW - age,
      });
      s = applyOwnership(s, { mint: MINT, owner: chainOwner, tokenAccount: null, amount: 1, slot: 5, commitment: 'confirmed', observedAt: NOW - 1_000_000 });
      const view = streamView(MINT, s, { ticket: { ...ticket, owner: dbOwner }, ops: [], lastSettledAt: null })!;
      expect(classify(view, T, NOW)).toEqual([]);
    },
  );

  test.prop([
    fc.array(fc.record({ state: fc.constantFrom('submitted', 'expired', 'failed' as const), attempt: fc.integer({ min: 1, max: 3 }) }), { maxLength: 6 }),
    fc.constantFrom('submitted', 'expired' as const),
    fc.integer({ min: 0, max: T.stuckMs }),
    fc.array(fc.nat({ max: 8 }), { maxLength: 8 }),
  ])(
    'a re-requested operation: its new generation in flight is not reported, whatever of the failed generation arrives again, in any order',
    (oldSteps, current, age, replayAt) => {
      const base = { opId: 'op-1', idempotencyKey: 'k', mint: MINT, type: 'mint' as const, expectedOwner: 'WalletB', error: null };
      const failed: StatusEvent[] = [
        ...oldSteps.map((x, i) => ({ ...base, ...x, at: NOW - 1_000_000 + i, generation: 1 })),
        { ...base, state: 'failed', attempt: 3, errorKind: 'exhausted', at: NOW - 900_000, generation: 1 },
      ];
      const next: StatusEvent = { ...base, state: current, attempt: 4, at: NOW - age, generation: 2 };
      // The new generation's event with the old generation's records replayed around it.
      const events = [...failed];
      events.splice(Math.min(replayAt[0] ?? 0, events.length), 0, next);
      for (const i of replayAt.slice(1)) events.push(failed[i % failed.length]!);
      const s = events.reduce(applyStatus, emptyMintState());
      expect(s.ops.get('op-1')).toMatchObject({ state: current, generation: 2 });
      const view = streamView(
        MINT,
        applyOwnership(s, { mint: MINT, owner: null, tokenAccount: null, amount: 0, slot: 1, commitment: 'confirmed', observedAt: NOW - 2_000_000 }),
        {
          ticket: { id: 't-1', status: 'mint_requested', owner: null },
          ops: [],
          lastSettledAt: null,
        },
      )!;
      expect(classify(view, T, NOW)).toEqual([]);
    },
  );

  test.prop([fc.integer({ min: 0, max: T.pendingMs - 1 })])(
    'the database knows of a re-request before the stream does: the failed generation is not reported again',
    (age) => {
      const failed = {
        opId: 'op-1',
        idempotencyKey: 'k',
        type: 'mint' as const,
        state: 'failed' as const,
        since: NOW - 600_000,
        from: null,
        to: 'WalletB',
        error: 'expired',
        generation: 1,
        errorKind: 'exhausted' as const,
      };
      const again = { ...failed, state: 'requested' as const, since: NOW - age, error: null, generation: 2, errorKind: null };
      const { ops } = relevantOps([again], [failed]);
      expect(ops).toEqual([again]);
      const view = {
        mint: MINT,
        chain: { present: false, owner: null, slot: 1 },
        ticket: { id: 't-1', status: 'mint_requested' as const, owner: null },
        lastSettledAt: null,
        ops,
      };
      expect(classify(view, T, NOW)).toEqual([]);
    },
  );

  test.prop([fc.constantFrom(...wallets), fc.constantFrom(...wallets), fc.integer({ min: 1, max: 100 }), fc.integer({ min: T.graceMs, max: 10 * T.graceMs })])(
    "a transfer read as the sender's emptied account, then the receiver's, at one slot: the later record is the owner, and no mismatch is reported",
    (sender, receiver, slot, age) => {
      const at = (commitment: 'confirmed' | 'finalized', owner: string | null): OwnershipEvent => ({
        mint: MINT,
        owner,
        tokenAccount: null,
        amount: owner ? 1 : 0,
        slot,
        commitment,
        observedAt: NOW - age,
      });
      let s = applyStatus(emptyMintState(), {
        opId: 'op-1',
        idempotencyKey: 'k',
        mint: MINT,
        type: 'transfer',
        state: 'confirmed',
        expectedOwner: receiver,
        attempt: 1,
        error: null,
        at: NOW - age,
      });
      s = [at('confirmed', sender), at('confirmed', null), at('confirmed', receiver)].reduce(applyOwnership, s);
      expect(s.chain?.owner).toBe(receiver);
      const view = streamView(MINT, s, { ticket: { ...ticket, owner: receiver }, ops: [], lastSettledAt: null })!;
      expect(classify(view, T, NOW)).toEqual([]);
      // A rooted slot is not corrected: a confirmed record after the finalized one is stale.
      const rooted = [at('finalized', receiver), at('confirmed', null)].reduce(applyOwnership, s);
      expect(rooted.chain).toMatchObject({ owner: receiver, commitment: 'finalized' });
    },
  );

  test.prop([fc.constantFrom('failed', 'dead_lettered' as const), fc.integer({ min: 1, max: 1000 })])(
    'a redelivered earlier state never replaces a final one',
    (final, later) => {
      const base = { opId: 'op-1', idempotencyKey: 'k', mint: MINT, type: 'transfer' as const, expectedOwner: 'WalletB', attempt: 1, error: null };
      let s = applyStatus(emptyMintState(), { ...base, state: final, at: NOW });
      s = applyStatus(s, { ...base, state: 'submitted', at: NOW + later });
      expect(s.ops.get('op-1')?.state).toBe(final);
    },
  );
});

describe('a database row behind a failure the stream showed', () => {
  const STATES: OpState[] = ['requested', 'submitted', 'expired', 'confirmed', 'finalized', 'failed', 'dead_lettered'];
  const row = fc.record({ state: fc.constantFrom(...STATES), generation: fc.integer({ min: 1, max: 5 }) });

  // Waiting is only safe for a row the failure will still overwrite: otherwise the re-request waits forever.
  test.prop([row, fc.integer({ min: 1, max: 5 })])('is one the failure supersedes', (r, seen) => {
    if (rowBehindFailure(r, seen)) expect(supersedes({ ...r, since: 0 }, { state: 'failed', generation: seen, since: 0 })).toBe(true);
  });
  test.prop([row, fc.integer({ min: 1, max: 5 })])('is never a row of a later generation, or one already final', (r, seen) => {
    if (r.generation > seen || (['confirmed', 'finalized', 'failed', 'dead_lettered'].includes(r.state) && r.generation === seen))
      expect(rowBehindFailure(r, seen)).toBe(false);
  });
  test.prop([fc.constantFrom<OpState>('requested', 'submitted', 'expired'), fc.integer({ min: 1, max: 5 })])(
    'is every row still in flight at that generation',
    (state, seen) => {
      expect(rowBehindFailure({ state, generation: seen }, seen)).toBe(true);
    },
  );
});
