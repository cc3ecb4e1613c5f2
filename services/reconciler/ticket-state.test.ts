// The ticket's state against the chain (issue 14, finding 1): a mint minted and burned while
// chain-ingest was down left its ticket mint_requested for good, and the reconciler, comparing
// owners only (null = null), reported nothing.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { chainTicketStatus, classify } from './classify.ts';
import { decide, DEFAULT_POLICY } from './policy.ts';
import type { MintView, Thresholds, TicketView } from './types.ts';

const T: Thresholds = { graceMs: 30_000, stuckMs: 300_000, pendingMs: 3_600_000 };
const NOW = 100_000_000;
const wallet = fc.constantFrom('A', 'B', 'C');
const status = fc.constantFrom<TicketView['status']>('mint_requested', 'minted', 'burned');

/** Views past the grace period with nothing in flight: what the chain says is settled. */
const settledView = fc
  .record({
    present: fc.boolean(),
    chainOwner: fc.option(wallet, { nil: null }),
    status,
    ticketOwner: fc.option(wallet, { nil: null }),
    everOnChain: fc.boolean(),
    lastSettledAt: fc.option(fc.integer({ min: 0, max: NOW - T.graceMs }), { nil: null }),
  })
  .map((r): MintView => ({
    mint: 'M',
    chain: { present: r.present, owner: r.present ? r.chainOwner : null, slot: 10 },
    ticket: { id: 't', status: r.status, owner: r.ticketOwner },
    lastSettledAt: r.lastSettledAt,
    ops: [],
    everOnChain: r.everOnChain,
  }));

describe('the ticket state follows the chain', () => {
  test.prop([settledView])('a ticket whose state differs from what the chain shows is a ticket_state_mismatch, and then never also an owner_mismatch', (v) => {
    const findings = classify(v, T, NOW);
    const expected = chainTicketStatus(v.chain, v.everOnChain ?? false);
    const kinds = findings.map((f) => f.kind);
    if (v.chain.present) {
      expect(kinds.includes('ticket_state_mismatch')).toBe(v.ticket!.status !== expected);
      expect(kinds.includes('owner_mismatch')).toBe(v.ticket!.status === expected && v.ticket!.owner !== v.chain.owner);
    }
    for (const f of findings.filter((x) => x.kind === 'ticket_state_mismatch')) {
      expect(f.state).toEqual({ db: v.ticket!.status, dbOwner: v.ticket!.owner, chain: expected, chainOwner: v.chain.owner });
      expect(f).toMatchObject({ dbValue: v.ticket!.status, chainValue: expected });
    }
  });

  test.prop([settledView])('a mint that exists or was burned on chain never leaves its ticket mint_requested unreported', (v) => {
    fc.pre(v.ticket!.status === 'mint_requested' && (v.chain.present || v.everOnChain === true));
    expect(classify(v, T, NOW).map((f) => f.kind)).toEqual(['ticket_state_mismatch']);
  });

  test.prop([settledView])('a minted ticket whose mint does not exist is missing_on_chain', (v) => {
    fc.pre(v.ticket!.status === 'minted' && !v.chain.present);
    expect(classify(v, T, NOW).map((f) => f.kind)).toEqual(['missing_on_chain']);
  });

  test.prop([settledView, fc.integer({ min: 0, max: T.graceMs - 1 })])('within the grace period after a settled operation nothing is reported', (v, age) => {
    expect(classify({ ...v, lastSettledAt: NOW - age }, T, NOW)).toEqual([]);
  });

  it('the chain says burned for a mint with no holder, or one seen on chain before whose account is gone; nothing for one never seen', () => {
    expect(chainTicketStatus({ present: true, owner: 'A', slot: 1 }, false)).toBe('minted');
    expect(chainTicketStatus({ present: true, owner: null, slot: 1 }, false)).toBe('burned');
    expect(chainTicketStatus({ present: false, owner: null, slot: 1 }, true)).toBe('burned');
    expect(chainTicketStatus({ present: false, owner: null, slot: 1 }, false)).toBeNull();
  });

  it('a mint_requested ticket whose mint was burned on chain is healed to burned by default (policy of owner mismatches)', () => {
    const [f] = classify(
      {
        mint: 'M',
        chain: { present: true, owner: null, slot: 7 },
        ticket: { id: 't', status: 'mint_requested', owner: null },
        lastSettledAt: NOW - 60_000,
        ops: [],
      },
      T,
      NOW,
    );
    expect(f).toMatchObject({ kind: 'ticket_state_mismatch', dbValue: 'mint_requested', chainValue: 'burned', slot: 7 });
    expect(decide(f!, DEFAULT_POLICY)).toMatchObject({ action: 'heal_state', state: 'open' });
    expect(decide(f!, { ...DEFAULT_POLICY, ownerMismatch: 'review' })).toMatchObject({ action: 'review', state: 'needs_review' });
  });
});
