// The campaign's workload, drawn from the seed: what to ask of the platform and of the chain, and
// when. Each request is valid when it is made if everything before it landed: a ticket is
// transferred or burned only after it was minted and before it is burned, by its holder. The
// runner makes each operation wait for the one before it on the same ticket (`after`) to settle,
// and reports one whose predecessor did not land as skipped rather than as a failure.
import { finalHolders } from './holders.ts';
import { rngFor } from './prng.ts';

/** Wallets 0..custodial-1 are the platform's (it signs for them); the rest are outside wallets the campaign holds keys for. */
export interface Wallets {
  custodial: number;
  outside: number;
}

/** A request to the platform's API; a re-send repeats one exactly, idempotency key included. */
export type PlatformRequest =
  | { type: 'mint'; ticket: number; to: number; key: string }
  | { type: 'transfer'; ticket: number; from: number; to: number; key: string }
  | { type: 'burn'; ticket: number; from: number; key: string };

export type PlannedOp = { seq: number; at: number; after: number | null } & (
  | { kind: 'platform'; request: PlatformRequest }
  /** The same request sent again under its key: the platform must answer with the same operation and act once. */
  | { kind: 'resend'; of: number; request: PlatformRequest }
  /** An outside wallet moves its ticket itself, straight on chain: chain-ingest must see it. */
  | { kind: 'outside-transfer'; ticket: number; from: number; to: number }
);

export interface WorkloadInput {
  seed: number;
  /** Requests are made in [0, untilMs): the schedule's quietFromMs, so the pipeline settles before the check. */
  untilMs: number;
  opsPerMinute: number;
  wallets: Wallets;
}

/** The mix, by weight. A draw that is impossible at that point (nothing to transfer yet) becomes a mint. */
export const MIX = { mint: 45, transfer: 25, outsideTransfer: 10, burn: 8, resend: 12 } as const;

export function planWorkload(input: WorkloadInput): PlannedOp[] {
  const { custodial, outside } = input.wallets;
  if (!Number.isInteger(custodial) || custodial < 2 || !Number.isInteger(outside) || outside < 2)
    throw new RangeError(`at least two custodial and two outside wallets are needed, got ${custodial} and ${outside}`);
  const r = rngFor(input.seed, 'workload');
  const count = Math.max(0, Math.round((input.opsPerMinute * input.untilMs) / 60_000));
  const times = Array.from({ length: count }, () => r.int(0, Math.max(0, input.untilMs - 1))).sort((a, b) => a - b);
  const all = custodial + outside;
  const isCustodial = (w: number) => w < custodial;
  const other = (from: number) => (from + r.int(1, all - 1)) % all;
  const holder = new Map<number, number>();
  const last = new Map<number, number>();
  const requests: { seq: number; request: PlatformRequest }[] = [];
  const plan: PlannedOp[] = [];
  const weights = Object.entries(MIX);
  const total = weights.reduce((s, [, w]) => s + w, 0);
  times.forEach((at, seq) => {
    let roll = r.int(0, total - 1);
    const choice = weights.find(([, w]) => (roll -= w) < 0)![0] as keyof typeof MIX;
    const held = [...holder].filter(([, w]) => (choice === 'outsideTransfer' ? !isCustodial(w) : isCustodial(w)));
    const after = (ticket: number) => last.get(ticket) ?? null;
    let op: PlannedOp;
    if (choice === 'resend' && requests.length > 0) {
      const original = r.pick(requests);
      op = { seq, at, after: null, kind: 'resend', of: original.seq, request: original.request };
    } else if ((choice === 'transfer' || choice === 'burn' || choice === 'outsideTransfer') && held.length > 0) {
      const [ticket, from] = r.pick(held);
      const key = `chaos-${input.seed}-${seq}`;
      if (choice === 'outsideTransfer') op = { seq, at, after: after(ticket), kind: 'outside-transfer', ticket, from, to: other(from) };
      else if (choice === 'transfer')
        op = { seq, at, after: after(ticket), kind: 'platform', request: { type: 'transfer', ticket, from, to: other(from), key } };
      else op = { seq, at, after: after(ticket), kind: 'platform', request: { type: 'burn', ticket, from, key } };
    } else {
      op = { seq, at, after: null, kind: 'platform', request: { type: 'mint', ticket: seq, to: r.int(0, all - 1), key: `chaos-${input.seed}-${seq}` } };
    }
    if (op.kind === 'platform') requests.push({ seq, request: op.request });
    const effect = effectOf(op);
    if (effect && op.kind !== 'resend') {
      if (effect.type === 'burn') holder.delete(effect.ticket);
      else holder.set(effect.ticket, effect.to!);
      last.set(effect.ticket, seq);
    }
    plan.push(op);
  });
  return plan;
}

/** What an operation does to its ticket; a re-send does nothing of its own. */
export function effectOf(op: PlannedOp): { ticket: number; type: 'mint' | 'transfer' | 'burn'; to: number | null } | null {
  if (op.kind === 'resend') return null;
  if (op.kind === 'outside-transfer') return { ticket: op.ticket, type: 'transfer', to: op.to };
  return { ticket: op.request.ticket, type: op.request.type, to: op.request.type === 'burn' ? null : op.request.to };
}

/** Each ticket's holder (a wallet number; null once burned) if every operation of the plan lands. */
export const intendedHolders = (plan: readonly PlannedOp[]): Map<number, number | null> => finalHolders(plan.flatMap((op) => effectOf(op) ?? []));
