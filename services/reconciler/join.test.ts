import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { classify } from './classify.ts';
import { applyOwnership, applyStatus, emptyMintState, streamView, type MintState, type OwnershipEvent, type StatusEvent } from './join.ts';
import type { Thresholds, TicketView } from './types.ts';

const T: Thresholds = { graceMs: 30_000, stuckMs: 300_000, pendingMs: 3_600_000 };
const NOW = 10_000_000;
const MINT = 'Mint1111111111111111111111111111111111111111';
const wallets = ['WalletA', 'WalletB', 'WalletC'];

const statusEvent = fc.record({
  opId: fc.constantFrom('op-1', 'op-2', 'op-3'),
  state: fc.constantFrom('submitted', 'confirmed', 'finalized', 'expired', 'failed', 'dead_lettered' as const),
  expectedOwner: fc.constantFrom(...wallets),
  attempt: fc.integer({ min: 1, max: 3 }),
  at: fc.integer({ min: NOW - 2_000_000, max: NOW }),
}).map((r): StatusEvent => ({ ...r, idempotencyKey: `k-${r.opId}`, mint: MINT, type: 'transfer', error: null }));

const ownershipEvent = fc.record({
  owner: fc.constantFrom(...wallets, null),
  slot: fc.integer({ min: 1, max: 50 }),
  commitment: fc.constantFrom('confirmed', 'finalized' as const),
}).map((r): OwnershipEvent => ({ ...r, mint: MINT, tokenAccount: null, amount: r.owner === null ? 0 : 1, observedAt: NOW - 1_000_000 + r.slot }));

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
  test.prop([fc.array(statusEvent, { maxLength: 12 }), fc.array(ownershipEvent, { maxLength: 12 }), fc.array(fc.boolean(), { maxLength: 24 }), fc.array(fc.boolean(), { maxLength: 24 })])(
    'reports the same discrepancies for any arrival order of the two streams',
    (status, ownership, p1, p2) => {
      const a = interleave<Ev, Ev>(status.map((s) => ({ s })), ownership.map((o) => ({ o })), p1);
      const b = interleave<Ev, Ev>(status.map((s) => ({ s })), ownership.map((o) => ({ o })), p2);
      expect(findings(reduce(b))).toEqual(findings(reduce(a)));
    },
  );

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

  test.prop([statusEvent.filter((e) => e.state === 'submitted' || e.state === 'expired'), fc.integer({ min: 0, max: T.stuckMs }), fc.array(ownershipEvent, { minLength: 1, maxLength: 6 }), fc.constantFrom(...wallets, null)])(
    'reports nothing for a mint whose operation is in flight within the threshold, whatever the chain and database say',
    (op, age, ownership, dbOwner) => {
      const s = ownership.reduce(applyOwnership, applyStatus(emptyMintState(), { ...op, at: NOW - age }));
      const view = streamView(MINT, s, { ticket: { ...ticket, owner: dbOwner }, ops: [], lastSettledAt: null })!;
      expect(classify(view, T, NOW)).toEqual([]);
    },
  );

  test.prop([fc.constantFrom(...wallets), fc.constantFrom(...wallets), fc.integer({ min: 0, max: T.graceMs - 1 })])(
    'reports nothing within the grace period after an operation settled',
    (chainOwner, dbOwner, age) => {
      let s = applyStatus(emptyMintState(), { opId: 'op-1', idempotencyKey: 'k', mint: MINT, type: 'transfer', state: 'confirmed', expectedOwner: chainOwner, attempt: 1, error: null, at: NOW - age });
      s = applyOwnership(s, { mint: MINT, owner: chainOwner, tokenAccount: null, amount: 1, slot: 5, commitment: 'confirmed', observedAt: NOW - 1_000_000 });
      const view = streamView(MINT, s, { ticket: { ...ticket, owner: dbOwner }, ops: [], lastSettledAt: null })!;
      expect(classify(view, T, NOW)).toEqual([]);
    },
  );

  test.prop([fc.constantFrom('failed', 'dead_lettered' as const), fc.integer({ min: 1, max: 1000 })])('a redelivered earlier state never replaces a final one', (final, later) => {
    const base = { opId: 'op-1', idempotencyKey: 'k', mint: MINT, type: 'transfer' as const, expectedOwner: 'WalletB', attempt: 1, error: null };
    let s = applyStatus(emptyMintState(), { ...base, state: final, at: NOW });
    s = applyStatus(s, { ...base, state: 'submitted', at: NOW + later });
    expect(s.ops.get('op-1')?.state).toBe(final);
  });
});
