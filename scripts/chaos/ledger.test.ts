import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { CHECKS, type LedgerInput, type LedgerOp, type RequestRecord, checkLedger, violationCount } from './ledger.ts';
import { renderLedger } from './ledger-table.ts';

const WALLETS = ['W0', 'W1', 'W2', 'W3', 'W4'];

/** One ticket's story: its mint and later moves, each by the platform or an outside wallet; the last may fail and go to review. */
const story = fc.record({
  moves: fc.array(fc.record({ outside: fc.boolean(), to: fc.integer({ min: 1, max: WALLETS.length - 1 }) }), { maxLength: 4 }),
  burned: fc.boolean(),
  lastFails: fc.boolean(),
  firstTo: fc.integer({ min: 0, max: WALLETS.length - 1 }),
});

/** A ledger where every check holds: built from the stories the way the pipeline is meant to record them. */
const consistentLedger = fc.array(story, { maxLength: 8 }).map((stories) => {
  const ledger = {
    requests: [] as RequestRecord[],
    ops: [] as LedgerOp[],
    outside: [] as LedgerInput['outside'][number][],
    signatures: new Map<string, { signature: string; ok: boolean }[]>(),
    chain: new Map<string, { exists: boolean; owner: string | null }>(),
    tickets: [] as LedgerInput['tickets'][number][],
    ownership: [] as LedgerInput['ownership'][number][],
    audit: [] as LedgerInput['audit'][number][],
    statusEvents: [] as LedgerInput['statusEvents'][number][],
    discrepancies: [] as LedgerInput['discrepancies'][number][],
  };
  let seq = 0;
  stories.forEach((s, t) => {
    const mint = `M${t}`;
    let holder: string | null = null;
    let slot = 10;
    const steps = [
      { type: 'mint' as const, outside: false, to: s.firstTo },
      ...s.moves.map((m) => ({ type: 'transfer' as const, ...m })),
      ...(s.burned ? [{ type: 'burn' as const, outside: false, to: 0 }] : []),
    ];
    steps.forEach((step, k) => {
      const fails = s.lastFails && k === steps.length - 1 && !step.outside;
      const to = step.type === 'burn' ? null : step.type === 'mint' ? WALLETS[step.to]! : WALLETS[(WALLETS.indexOf(holder!) + step.to) % WALLETS.length]!;
      seq++;
      if (step.outside) {
        ledger.outside.push({ seq, mint, to: to!, landed: true });
      } else {
        const opId = `op-${t}-${k}`;
        ledger.requests.push({ seq, kind: 'platform', type: step.type, outcome: 'requested', opId });
        // Every first request is sent again under its key, and answered with its operation.
        if (k === 0)
          ledger.requests.push({ seq: 1000 + seq, kind: 'resend', type: step.type, outcome: 'requested', of: seq, opId, originalOpId: opId, created: false });
        ledger.ops.push({ opId, seq, type: step.type, mint, to, state: fails ? 'failed' : 'confirmed', errorKind: fails ? 'exhausted' : null });
        ledger.signatures.set(opId, [{ signature: `${opId}-expired`, ok: false }, ...(fails ? [] : [{ signature: `${opId}-sig`, ok: true }])]);
        ledger.statusEvents.push({ opId, state: 'submitted', signature: `${opId}-sig` });
        if (fails) {
          ledger.statusEvents.push({ opId, state: 'failed', signature: null });
          ledger.discrepancies.push({ mint, kind: 'stuck_operation', state: 'needs_review', opId, reason: 'transfer failed (exhausted)' });
          return;
        }
        ledger.statusEvents.push({ opId, state: 'confirmed', signature: `${opId}-sig` }, { opId, state: 'finalized', signature: `${opId}-sig` });
      }
      ledger.audit.push({ mint, oldOwner: holder, newOwner: to, slot: (slot += 3) });
      holder = to;
    });
    const minted = !(s.lastFails && steps.length === 1);
    ledger.chain.set(mint, minted && holder !== null ? { exists: true, owner: holder } : { exists: false, owner: null });
    ledger.tickets.push({ mint, status: !minted ? 'mint_requested' : holder === null ? 'burned' : 'minted', owner: holder });
    if (minted) ledger.ownership.push({ mint, owner: holder });
  });
  return ledger;
});

type Ledger = typeof consistentLedger extends fc.Arbitrary<infer L> ? L : never;

/** One inconsistency each, and the check that must catch it; null when this ledger has nothing to break that way. */
const breakages: Record<string, { check: string; apply: (l: Ledger, pick: number) => boolean }> = {
  'a valid request refused': {
    check: CHECKS.requests,
    apply: (l, pick) => mutateOne(l.requests, pick, (r) => Object.assign(r, { outcome: 'rejected', detail: 'ticket is not minted' })),
  },
  'a request the database never took': {
    check: CHECKS.requests,
    apply: (l, pick) => mutateOne(l.requests, pick, (r) => Object.assign(r, { outcome: 'gave up' })),
  },
  'a re-send that created a second operation': {
    check: CHECKS.requests,
    apply: (l, pick) =>
      mutateOne(
        l.requests.filter((r) => r.kind === 'resend'),
        pick,
        (r) => Object.assign(r, { opId: 'another', created: true }),
      ),
  },
  'an operation left in flight': {
    check: CHECKS.settled,
    apply: (l, pick) =>
      mutateOne(
        l.ops.filter((o) => o.state === 'confirmed'),
        pick,
        (o) => (o.state = 'submitted'),
      ),
  },
  'a failure nobody reviews': {
    check: CHECKS.settled,
    apply: (l, pick) => mutateOne(l.discrepancies, pick, (d) => (d.state = 'resolved')),
  },
  'a confirmed operation with no successful signature': {
    check: CHECKS.signatures,
    apply: (l, pick) =>
      mutateOne(
        l.ops.filter((o) => o.state === 'confirmed'),
        pick,
        (o) => l.signatures.set(o.opId, []),
      ),
  },
  'an operation that landed twice': {
    check: CHECKS.signatures,
    apply: (l, pick) => mutateOne(l.ops, pick, (o) => l.signatures.set(o.opId, [...l.signatures.get(o.opId)!, { signature: `${o.opId}-again`, ok: true }])),
  },
  'a failed operation whose transaction landed': {
    check: CHECKS.signatures,
    apply: (l, pick) =>
      mutateOne(
        l.ops.filter((o) => o.state === 'failed'),
        pick,
        (o) => l.signatures.set(o.opId, [{ signature: 'late', ok: true }]),
      ),
  },
  'the chain holding another wallet': {
    check: CHECKS.chain,
    apply: (l, pick) =>
      mutateOne(
        [...l.chain.values()].filter((c) => c.exists),
        pick,
        (c) => (c.owner = `${c.owner}-other`),
      ),
  },
  'a burned NFT still on chain': {
    check: CHECKS.chain,
    apply: (l, pick) =>
      mutateOne(
        [...l.chain.entries()].filter(([mint, c]) => !c.exists && l.ops.some((o) => o.mint === mint && o.type === 'mint' && o.state === 'confirmed')),
        pick,
        ([, c]) => Object.assign(c, { exists: true, owner: 'W0' }),
      ),
  },
  "a ticket's owner differing": {
    check: CHECKS.tickets,
    apply: (l, pick) =>
      mutateOne(
        l.tickets.filter((t) => t.status !== 'mint_requested'),
        pick,
        (t) => (t.owner = `${t.owner}-other`),
      ),
  },
  'a ticket left mint_requested': {
    check: CHECKS.tickets,
    apply: (l, pick) =>
      mutateOne(
        l.tickets.filter((t) => t.status !== 'mint_requested'),
        pick,
        (t) => (t.status = 'mint_requested'),
      ),
  },
  'an ownership row missing': {
    check: CHECKS.ownership,
    // A burned NFT may have no row: nobody holds it.
    apply: (l, pick) => removeOne(l.ownership, pick, (o) => o.owner !== null),
  },
  'an ownership row differing': {
    check: CHECKS.ownership,
    apply: (l, pick) => mutateOne(l.ownership, pick, (o) => (o.owner = `${o.owner}-other`)),
  },
  'an audit row lost': { check: CHECKS.audit, apply: (l, pick) => removeOne(l.audit, pick) },
  'an audit row differing': { check: CHECKS.audit, apply: (l, pick) => mutateOne(l.audit, pick, (a) => (a.newOwner = `${a.newOwner}-other`)) },
  'a second confirmed signature on chain.ops.status': {
    check: CHECKS.status,
    apply: (l, pick) =>
      mutateOne(
        l.ops.filter((o) => o.state === 'confirmed'),
        pick,
        (o) => l.statusEvents.push({ opId: o.opId, state: 'confirmed', signature: 'other' }),
      ),
  },
  'a discrepancy still open': {
    check: CHECKS.discrepancies,
    apply: (l, pick) =>
      mutateOne(l.tickets, pick, (t) => l.discrepancies.push({ mint: t.mint, kind: 'owner_mismatch', state: 'open', opId: null, reason: 'x' })),
  },
};

function mutateOne<T>(items: T[], pick: number, change: (item: T) => unknown): boolean {
  if (items.length === 0) return false;
  change(items[pick % items.length]!);
  return true;
}

function removeOne<T>(items: T[], pick: number, eligible: (item: T) => boolean = () => true): boolean {
  const candidates = items.filter(eligible);
  if (candidates.length === 0) return false;
  items.splice(items.indexOf(candidates[pick % candidates.length]!), 1);
  return true;
}

describe('checkLedger', () => {
  test.prop([consistentLedger])('a consistent ledger has no violation', (l) => {
    const results = checkLedger(l);
    expect(results.flatMap((r) => r.violations)).toEqual([]);
    expect(violationCount(results)).toBe(0);
  });

  test.prop([consistentLedger, fc.constantFrom(...Object.keys(breakages)), fc.nat()])(
    'any one inconsistency is caught by its check',
    (generated, what, pick) => {
      // fast-check may hand the same value to several runs while shrinking: break a copy.
      const l = structuredClone(generated);
      const breakage = breakages[what]!;
      fc.pre(breakage.apply(l, pick));
      const results = checkLedger(l);
      expect(results.find((r) => r.name === breakage.check)!.violations.length, what).toBeGreaterThan(0);
      expect(violationCount(results)).toBeGreaterThan(0);
    },
  );

  it('every breakage applies to some consistent ledger (the property above is not vacuous)', () => {
    const ledgers = fc.sample(consistentLedger, { numRuns: 300, seed: 1 });
    for (const [what, b] of Object.entries(breakages))
      expect(
        ledgers.some((l) => b.apply(structuredClone(l), 0)),
        what,
      ).toBe(true);
  });

  test.prop([consistentLedger])('names how each operation ended, and lists the review items', (l) => {
    const [, settled, , , , , , , discrepancies] = checkLedger(l);
    expect(Object.values(settled!.cases!).reduce((a, b) => a + b, 0)).toBe(l.ops.length);
    expect(settled!.cases!['failed (exhausted), in review'] ?? 0).toBe(l.ops.filter((o) => o.state === 'failed').length);
    expect(discrepancies!.notes).toHaveLength(l.discrepancies.length);
  });

  it('prints a table of the checks with their counts, the review items and the violations', () => {
    const l: LedgerInput = {
      requests: [{ seq: 3, kind: 'platform', type: 'transfer', outcome: 'skipped', detail: "its ticket's operation #2 did not land" }],
      ops: [
        { opId: 'a', seq: 1, type: 'mint', mint: 'M1', to: 'W1', state: 'confirmed' },
        { opId: 'b', seq: 2, type: 'mint', mint: 'M2', to: 'W1', state: 'failed', errorKind: 'exhausted' },
      ],
      outside: [],
      signatures: new Map([['a', [{ signature: 's1', ok: true }]]]),
      chain: new Map([['M1', { exists: true, owner: 'W2' }]]),
      tickets: [
        { mint: 'M1', status: 'minted', owner: 'W2' },
        { mint: 'M2', status: 'mint_requested', owner: null },
      ],
      ownership: [{ mint: 'M1', owner: 'W2' }],
      audit: [{ mint: 'M1', oldOwner: null, newOwner: 'W2', slot: 5 }],
      statusEvents: [{ opId: 'a', state: 'confirmed', signature: 's1' }],
      discrepancies: [{ mint: 'M2', kind: 'stuck_operation', state: 'needs_review', opId: 'b', reason: 'mint failed (exhausted)' }],
    };
    const out = renderLedger(checkLedger(l));
    expect(out).toMatch(/the chain holds the intended state\s+2\s+1/);
    expect(out).toMatch(/ {2}failed \(exhausted\), in review\s+1/);
    expect(out).toMatch(/ {2}transfer skipped\s+1/);
    expect(out).toContain('in review: stuck_operation on M2 (op b): mint failed (exhausted)');
    expect(out).toContain('[the chain holds the intended state] mint M1 is held by W2 on chain, intended W1');
    expect(out).toMatch(/total\s+1\n/);
    expect(out).toContain('ledger: 1 violation(s)');
  });
});
