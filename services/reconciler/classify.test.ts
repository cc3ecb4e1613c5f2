import { describe, expect, it } from 'vitest';
import { classify } from './classify.ts';
import { decide, DEFAULT_POLICY } from './policy.ts';
import type { MintView, OpView, Thresholds } from './types.ts';

const T: Thresholds = { graceMs: 30_000, stuckMs: 300_000, pendingMs: 3_600_000 };
const NOW = 100_000_000;
const view = (over: Partial<MintView> = {}): MintView => ({
  mint: 'M',
  chain: { present: true, owner: 'A', slot: 10 },
  ticket: { id: 't', status: 'minted', owner: 'A' },
  lastSettledAt: NOW - 60_000,
  ops: [],
  ...over,
});
const op = (over: Partial<OpView>): OpView => ({
  opId: 'o',
  idempotencyKey: 'k',
  type: 'transfer',
  state: 'submitted',
  since: NOW,
  from: 'A',
  to: 'B',
  error: null,
  ...over,
});
const kinds = (v: MintView) => classify(v, T, NOW).map((f) => f.kind);

describe('classify', () => {
  it('finds nothing when the database and the chain agree', () => expect(kinds(view())).toEqual([]));
  it('owner_mismatch once the grace period has passed', () => {
    expect(classify(view({ ticket: { id: 't', status: 'minted', owner: 'X' } }), T, NOW)).toEqual([
      { mint: 'M', kind: 'owner_mismatch', opId: null, dbValue: 'X', chainValue: 'A', slot: 10 },
    ]);
    expect(kinds(view({ ticket: { id: 't', status: 'minted', owner: 'X' }, lastSettledAt: NOW - 1000 }))).toEqual([]);
  });
  it('missing_in_db for an NFT on chain with no ticket', () => expect(kinds(view({ ticket: null }))).toEqual(['missing_in_db']));
  it('no missing_in_db for a burned NFT with no ticket', () =>
    expect(kinds(view({ ticket: null, chain: { present: true, owner: null, slot: 3 } }))).toEqual([]));
  it('missing_on_chain for a minted ticket whose mint account does not exist', () =>
    expect(kinds(view({ chain: { present: false, owner: null, slot: 10 } }))).toEqual(['missing_on_chain']));
  it('no missing_on_chain for a mint that was requested but never confirmed', () =>
    expect(
      kinds(view({ chain: { present: false, owner: null, slot: 10 }, ticket: { id: 't', status: 'mint_requested', owner: null }, lastSettledAt: null })),
    ).toEqual([]));
  it('stuck_operation for an op submitted past the threshold, and nothing else while it is in flight', () => {
    const v = view({ ticket: { id: 't', status: 'minted', owner: 'X' }, ops: [op({ since: NOW - T.stuckMs - 1 })] });
    expect(kinds(v)).toEqual(['stuck_operation']);
    expect(kinds(view({ ops: [op({ since: NOW - T.stuckMs + 1 })] }))).toEqual([]);
  });
  it('a requested op is stuck only after the pending threshold (1 hour)', () => {
    expect(kinds(view({ ops: [op({ state: 'requested', since: NOW - T.stuckMs * 2 })] }))).toEqual([]);
    expect(kinds(view({ ops: [op({ state: 'requested', since: NOW - T.pendingMs - 1 })] }))).toEqual(['stuck_operation']);
  });
  it('a dead-lettered op goes to review; a failed mint is retried only when it failed as exhausted and the policy allows', () => {
    const dead = classify(view({ ops: [op({ state: 'dead_lettered', errorKind: 'invalid_input' })] }), T, NOW)[0]!;
    expect(decide(dead, DEFAULT_POLICY)).toMatchObject({ action: 'review', state: 'needs_review' });
    const failedMint = classify(view({ ops: [op({ state: 'failed', type: 'mint', errorKind: 'exhausted' })] }), T, NOW)[0]!;
    expect(failedMint).toMatchObject({ opType: 'mint', generation: 1, errorKind: 'exhausted' });
    expect(decide(failedMint, DEFAULT_POLICY)).toMatchObject({ action: 'retry_op', state: 'open' });
    expect(decide(failedMint, { ...DEFAULT_POLICY, failedOperation: 'review' }).action).toBe('review');
    expect(decide({ ...failedMint, generation: 3 }, DEFAULT_POLICY)).toMatchObject({ action: 'review', reason: expect.stringMatching(/2 re-request/) });
    expect(decide({ ...failedMint, errorKind: 'permanent' }, DEFAULT_POLICY)).toMatchObject({
      action: 'review',
      reason: expect.stringMatching(/fail the same way/),
    });
    expect(decide({ ...failedMint, errorKind: null }, DEFAULT_POLICY)).toMatchObject({
      action: 'review',
      reason: expect.stringMatching(/not known to be safe/),
    });
    const failedTransfer = classify(view({ ops: [op({ state: 'failed', errorKind: 'exhausted' })] }), T, NOW)[0]!;
    expect(decide(failedTransfer, DEFAULT_POLICY).action).toBe('review');
    expect(decide(failedTransfer, { ...DEFAULT_POLICY, retryTypes: ['mint', 'transfer'] }).action).toBe('retry_op');
  });
  it('owner mismatches are healed by default; missing kinds always go to review', () => {
    expect(decide({ mint: 'M', kind: 'owner_mismatch', opId: null, dbValue: 'X', chainValue: 'A', slot: 1 }, DEFAULT_POLICY).action).toBe('heal_owner');
    expect(decide({ mint: 'M', kind: 'missing_in_db', opId: null, dbValue: null, chainValue: 'A', slot: 1 }, DEFAULT_POLICY).state).toBe('needs_review');
  });
});
