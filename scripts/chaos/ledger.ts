// The campaign's ledger check: after the quiet period, everything the campaign did compared with
// the chain, the tables and the status topic. Pure: the runner gathers plain values (ledger-input
// is all it needs) and each check returns what it looked at and what it found wrong.
import type { OperationEventState, OperationState } from '../../services/lib/domain/operation-status.ts';
import type { FailureKind } from '../../services/lib/records.ts';
import type { DiscrepancyKind, DiscrepancyState, TicketView } from '../../services/reconciler/types.ts';
import { finalHolders } from './holders.ts';

/** One operation the campaign requested through the platform (a re-send is the same operation). */
export interface LedgerOp {
  opId: string;
  /** Its place in the workload plan: the order effects are meant to land in. */
  seq: number;
  type: 'mint' | 'transfer' | 'burn';
  mint: string;
  /** The receiving wallet of a mint or transfer. */
  to: string | null;
  /** chain_operations.state at the end. */
  state: OperationState;
  errorKind?: FailureKind | null;
}

/** A transfer an outside wallet signed and sent itself; `landed`: its signature succeeded on chain. */
export interface OutsideTransfer {
  seq: number;
  mint: string;
  to: string;
  landed: boolean;
}

/** What became of one request of the workload (a platform request or a re-send of one). */
export interface RequestRecord {
  seq: number;
  kind: 'platform' | 'resend';
  type: 'mint' | 'transfer' | 'burn';
  /** skipped: its ticket's previous operation did not land in time, so the request would have been invalid; gave up: the database never took it. */
  outcome: 'requested' | 'skipped' | 'rejected' | 'gave up';
  opId?: string;
  /** For a re-send: the seq of the request it repeats, the operation that request created, and whether the re-send created one. */
  of?: number;
  originalOpId?: string;
  created?: boolean;
  detail?: string;
}

export interface LedgerInput {
  requests: readonly RequestRecord[];
  ops: readonly LedgerOp[];
  outside: readonly OutsideTransfer[];
  /** Per op id, the signatures of its attempts found on chain and whether each succeeded. */
  signatures: ReadonlyMap<string, readonly { signature: string; ok: boolean }[]>;
  /** The chain's final state of every mint the campaign touched; a mint never created is absent or exists: false. */
  chain: ReadonlyMap<string, { exists: boolean; owner: string | null }>;
  tickets: readonly { mint: string; status: TicketView['status']; owner: string | null }[];
  ownership: readonly { mint: string; owner: string | null }[];
  audit: readonly { mint: string; oldOwner: string | null; newOwner: string | null; slot: number }[];
  /** chain.ops.status records of the campaign's operations. */
  statusEvents: readonly { opId: string; state: OperationEventState; signature: string | null }[];
  /** The reconciler's discrepancies still open or in review after the quiet period. */
  discrepancies: readonly { mint: string; kind: DiscrepancyKind; state: DiscrepancyState; opId: string | null; reason: string }[];
}

export interface CheckResult {
  name: string;
  checked: number;
  violations: string[];
  /** How the checked items ended, by named case (e.g. confirmed; failed (exhausted), in review). */
  cases?: Record<string, number>;
  /** Listed for a human, not violations (review items). */
  notes?: string[];
}

export const CHECKS = {
  requests: 'every valid request taken, re-sends answered once',
  settled: 'every operation settled',
  signatures: 'one successful signature per operation',
  chain: 'the chain holds the intended state',
  tickets: 'tickets equal the chain',
  ownership: 'ownership equals the chain',
  audit: 'the audit trail ends at the chain holder',
  status: 'one confirmed signature per operation on chain.ops.status',
  discrepancies: 'no discrepancy left open',
} as const;

const landed = (op: LedgerOp) => op.state === 'confirmed' || op.state === 'finalized';
const failedFinally = (op: LedgerOp) => op.state === 'failed' || op.state === 'dead_lettered';
const show = (owner: string | null) => owner ?? 'nobody';

/** What the chain should hold: every landed effect, in plan order. Null: burned. A mint never landed is absent. */
export function expectedHolders(input: LedgerInput): Map<string, string | null> {
  const effects = [
    ...input.ops.filter(landed).map((op) => ({ seq: op.seq, ticket: op.mint, type: op.type, to: op.to })),
    ...input.outside.filter((t) => t.landed).map((t) => ({ seq: t.seq, ticket: t.mint, type: 'transfer' as const, to: t.to })),
  ];
  return finalHolders(effects.sort((a, b) => a.seq - b.seq));
}

/** Every mint the campaign touched. */
const mintsOf = (input: LedgerInput): string[] => [...new Set([...input.ops.map((o) => o.mint), ...input.outside.map((t) => t.mint)])].sort();

/** A failed operation is handled when the reconciler put it in review; retried ones end confirmed in a newer generation. */
export function checkSettled(input: LedgerInput): CheckResult {
  const cases: Record<string, number> = {};
  const violations: string[] = [];
  const reviewed = new Set(input.discrepancies.filter((d) => d.state === 'needs_review' && d.opId !== null).map((d) => d.opId));
  for (const op of input.ops) {
    let name: string;
    if (landed(op)) name = op.state;
    else if (failedFinally(op) && reviewed.has(op.opId)) name = `${op.state} (${op.errorKind ?? 'unknown kind'}), in review`;
    else {
      name = failedFinally(op) ? `${op.state}, not handled` : `still ${op.state}`;
      violations.push(`op ${op.opId} (${op.type} of ${op.mint}) ended ${op.state}${failedFinally(op) ? ' with no review item' : ''}`);
    }
    cases[name] = (cases[name] ?? 0) + 1;
  }
  return { name: CHECKS.settled, checked: input.ops.length, violations, cases };
}

/**
 * Every request the workload made was valid when it was made, so a refusal is a finding; so is one
 * the database never took once its outage was over. A re-send must be answered with the
 * operation its original created, and create nothing.
 */
export function checkRequests(input: LedgerInput): CheckResult {
  const cases: Record<string, number> = {};
  const violations: string[] = [];
  for (const r of input.requests) {
    const name = `${r.kind === 'resend' ? 're-send' : r.type} ${r.outcome}`;
    cases[name] = (cases[name] ?? 0) + 1;
    if (r.outcome === 'rejected' || r.outcome === 'gave up') violations.push(`#${r.seq} (${r.kind} ${r.type}) ${r.outcome}: ${r.detail ?? ''}`);
    else if (r.kind === 'resend' && r.outcome === 'requested' && (r.opId !== r.originalOpId || r.created !== false))
      violations.push(`re-send #${r.seq} of #${r.of} was answered with op ${r.opId} (created: ${r.created}); the original is op ${r.originalOpId}`);
  }
  return { name: CHECKS.requests, checked: input.requests.length, violations, cases };
}

export function checkSignatures(input: LedgerInput): CheckResult {
  const violations: string[] = [];
  for (const op of input.ops) {
    const ok = (input.signatures.get(op.opId) ?? []).filter((s) => s.ok).map((s) => s.signature);
    const want = landed(op) ? 1 : failedFinally(op) ? 0 : ok.length > 1 ? 1 : ok.length;
    if (ok.length !== want)
      violations.push(
        `op ${op.opId} (${op.type} of ${op.mint}, ${op.state}) has ${ok.length} successful signatures on chain [${ok.join(', ')}], expected ${want}`,
      );
  }
  return { name: CHECKS.signatures, checked: input.ops.length, violations };
}

/** The chain's holder of a mint: null when burned or never created. */
const chainOwner = (input: LedgerInput, mint: string) => {
  const on = input.chain.get(mint);
  return on?.exists ? on.owner : null;
};

/** What a per-mint check knows of a mint: whether its mint operation landed, and the chain's holder now. */
interface MintFacts {
  mint: string;
  minted: boolean;
  owner: string | null;
}

/** Runs `judge` over every mint the campaign touched; each returns what it found wrong with that mint. */
function perMint(name: string, input: LedgerInput, judge: (m: MintFacts) => string[]): CheckResult {
  const minted = new Set(input.ops.filter((op) => op.type === 'mint' && landed(op)).map((op) => op.mint));
  const mints = mintsOf(input);
  const violations = mints.flatMap((mint) => judge({ mint, minted: minted.has(mint), owner: chainOwner(input, mint) }));
  return { name, checked: mints.length, violations };
}

export function checkChain(input: LedgerInput): CheckResult {
  const expected = expectedHolders(input);
  return perMint(CHECKS.chain, input, ({ mint, owner }) => {
    const on = input.chain.get(mint);
    if (!expected.has(mint)) return on?.exists ? [`mint ${mint} exists on chain (held by ${show(on.owner)}) though its mint never confirmed`] : [];
    const want = expected.get(mint)!;
    return owner === want ? [] : [`mint ${mint} is held by ${show(owner)} on chain, intended ${want === null ? 'burned' : want}`];
  });
}

export function checkTickets(input: LedgerInput): CheckResult {
  const byMint = new Map(input.tickets.map((t) => [t.mint, t]));
  return perMint(CHECKS.tickets, input, ({ mint, minted, owner }) => {
    const t = byMint.get(mint);
    if (!t) return [`mint ${mint} has no ticket`];
    if (!minted)
      return t.status === 'minted' || t.status === 'burned' ? [`ticket of ${mint} says ${t.status} (${show(t.owner)}) though its mint never confirmed`] : [];
    const want = owner === null ? 'burned' : 'minted';
    return t.status === want && t.owner === owner ? [] : [`ticket of ${mint} says ${t.status} (${show(t.owner)}), the chain ${want} (${show(owner)})`];
  });
}

/** A burned NFT may keep a row with no owner, or none. */
export function checkOwnership(input: LedgerInput): CheckResult {
  const byMint = new Map(input.ownership.map((o) => [o.mint, o]));
  return perMint(CHECKS.ownership, input, ({ mint, minted, owner }) => {
    const row = byMint.get(mint);
    if (!minted) return row ? [`ownership has a row for ${mint} (${show(row.owner)}) though its mint never confirmed`] : [];
    if (owner !== null && row?.owner !== owner) return [`ownership of ${mint} says ${row ? show(row.owner) : 'no row'}, the chain ${owner}`];
    return owner === null && row && row.owner !== null ? [`ownership of ${mint} says ${row.owner}; it is burned on chain`] : [];
  });
}

/** Each landed mint's trail starts from nobody, each row starts where the one before ended, and the last ends at the chain's holder. */
export function checkAudit(input: LedgerInput): CheckResult {
  const trails = new Map<string, LedgerInput['audit'][number][]>();
  for (const row of input.audit) trails.set(row.mint, [...(trails.get(row.mint) ?? []), row]);
  return perMint(CHECKS.audit, input, ({ mint, minted, owner }) => {
    const trail = [...(trails.get(mint) ?? [])].sort((a, b) => a.slot - b.slot);
    if (!minted) return trail.length ? [`mint ${mint} has ${trail.length} audit rows though its mint never confirmed`] : [];
    if (trail.length === 0) return [`mint ${mint} has no audit row`];
    const found = trail.flatMap((row, k) => {
      const before = k === 0 ? null : trail[k - 1]!.newOwner;
      return row.oldOwner === before
        ? []
        : [`audit of ${mint} at slot ${row.slot} moves from ${show(row.oldOwner)}, but the row before ended at ${show(before)}`];
    });
    const last = trail.at(-1)!.newOwner;
    return last === owner ? found : [...found, `audit of ${mint} ends at ${show(last)}, the chain holder is ${show(owner)}`];
  });
}

export function checkStatus(input: LedgerInput): CheckResult {
  const confirmed = new Map<string, Set<string>>();
  for (const e of input.statusEvents) {
    if ((e.state !== 'confirmed' && e.state !== 'finalized') || e.signature === null) continue;
    confirmed.set(e.opId, (confirmed.get(e.opId) ?? new Set()).add(e.signature));
  }
  const violations = [...confirmed]
    .filter(([, sigs]) => sigs.size > 1)
    .map(([opId, sigs]) => `op ${opId} has ${sigs.size} confirmed signatures on chain.ops.status: ${[...sigs].join(', ')}`);
  return { name: CHECKS.status, checked: new Set(input.statusEvents.map((e) => e.opId)).size, violations };
}

export function checkDiscrepancies(input: LedgerInput): CheckResult {
  const describe = (d: LedgerInput['discrepancies'][number]) => `${d.kind} on ${d.mint}${d.opId ? ` (op ${d.opId})` : ''}: ${d.reason}`;
  return {
    name: CHECKS.discrepancies,
    checked: input.discrepancies.length,
    violations: input.discrepancies.filter((d) => d.state === 'open').map((d) => `still open: ${describe(d)}`),
    notes: input.discrepancies.filter((d) => d.state === 'needs_review').map((d) => `in review: ${describe(d)}`),
  };
}

export function checkLedger(input: LedgerInput): CheckResult[] {
  return [checkRequests, checkSettled, checkSignatures, checkChain, checkTickets, checkOwnership, checkAudit, checkStatus, checkDiscrepancies].map((check) =>
    check(input),
  );
}

/** The campaign's verdict: the CLI exits non-zero on any. */
export const violationCount = (results: readonly CheckResult[]): number => results.reduce((n, r) => n + r.violations.length, 0);
