// Runs the campaign's workload plan against the platform's API and the chain: each request at
// its time, after the operation before it on the same ticket landed. A request the database
// cannot take right now (Postgres down) is retried under its idempotency key until the workload
// ends; a request the API refuses is recorded with its reason (a finding, unless its ticket's
// previous operation did not land, in which case it is skipped).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from '@solana/web3.js';
import type pg from 'pg';
import type { OpsApi, RequestedOperation } from '../../api/operations.ts';
import { withTransaction } from '../../services/lib/db.ts';
import { InvalidInputError } from '../../services/lib/errors.ts';
import { deferred } from './deferred.ts';
import type { RequestRecord } from './ledger.ts';
import { outsideTransfer } from './outside-transfer.ts';
import type { CampaignWallets } from './wallets.ts';
import type { PlannedOp, PlatformRequest } from './workload.ts';

export interface DriverDeps {
  pool: pg.Pool;
  api: OpsApi;
  connection: Connection;
  wallets: CampaignWallets;
  ticketId: (ticket: number) => string;
  /** The campaign run's idempotency key for a planned key: a replayed seed must not collide with an earlier run. */
  keyOf: (plannedKey: string) => string;
  /** Milliseconds since the campaign started. */
  now: () => number;
  /** No request is made at or after this time: the quiet period. */
  untilMs: number;
  /** Aborted when the campaign is interrupted: no further request is made. */
  signal: AbortSignal;
  say: (line: string) => void;
}

export interface OutsideRecord {
  seq: number;
  mint: string;
  to: string;
  landed: boolean;
  why?: string;
}

export interface DriverResult {
  requests: RequestRecord[];
  outside: OutsideRecord[];
  /** Plan seq of each operation the platform created. */
  seqOf: Map<string, number>;
}

/** How an operation ended for its successors; `outside`: made on chain without the platform, which learns of it from the projection. */
type Settled = { landed: true; mint: string; holder: string | null; outside: boolean } | { landed: false };

const LANDED = new Set(['confirmed', 'finalized']);

export async function driveWorkload(plan: readonly PlannedOp[], d: DriverDeps): Promise<DriverResult> {
  // Made before anything runs, so a successor can wait on any earlier operation whatever the timers' order.
  const settled = new Map(plan.map((op) => [op.seq, deferred<Settled>()]));
  const requested = new Map(plan.map((op) => [op.seq, deferred<RequestedOperation | null>()]));
  const requests: RequestRecord[] = [];
  const outside: OutsideRecord[] = [];
  const seqOf = new Map<string, number>();
  const mintOf = new Map<number, string>();
  const timeLeft = () => (d.signal.aborted ? 0 : d.untilMs - d.now());

  /** Polls until `check` is true or the workload's time is up. */
  const until = async (check: () => Promise<boolean>): Promise<boolean> => {
    for (;;) {
      if (await check().catch(() => false)) return true;
      if (timeLeft() <= 0) return false;
      await sleep(500);
    }
  };

  const opState = async (opId: string) =>
    (await d.pool.query<{ state: string }>('SELECT state FROM chain_operations WHERE op_id = $1', [opId])).rows[0]?.state ?? 'unknown';
  const projectedHolder = async (mint: string) =>
    (await d.pool.query<{ owner: string | null }>('SELECT owner FROM ownership WHERE mint = $1', [mint])).rows[0]?.owner ?? null;

  /** The request sent until the database takes it; a refusal is final. */
  const send = async (req: PlatformRequest): Promise<RequestedOperation | InvalidInputError | null> => {
    const ticketId = d.ticketId(req.ticket);
    const idempotencyKey = d.keyOf(req.key);
    for (;;) {
      try {
        return await withTransaction(d.pool, (c) => {
          if (req.type === 'mint') return d.api.requestMint(c, { ticketId, to: d.wallets.address(req.to), idempotencyKey });
          if (req.type === 'transfer')
            return d.api.requestTransfer(c, { ticketId, from: d.wallets.address(req.from), to: d.wallets.address(req.to), idempotencyKey });
          return d.api.requestBurn(c, { ticketId, from: d.wallets.address(req.from), idempotencyKey });
        });
      } catch (err) {
        if (err instanceof InvalidInputError) return err;
        if (timeLeft() <= 0) return null;
        await sleep(1_000);
      }
    }
  };

  /** Waits for the operation before this one on its ticket; false: it did not land in time, so this one is skipped. */
  const predecessorLanded = async (after: number | null, forPlatform: boolean): Promise<boolean> => {
    if (after === null) return true;
    const prior = await settled.get(after)!.promise;
    if (!prior.landed) return false;
    // The platform knows of a transfer it did not make once the chain's change is projected.
    return forPlatform && prior.outside ? until(async () => (await projectedHolder(prior.mint)) === prior.holder) : true;
  };

  const runPlatform = async (op: PlannedOp & { kind: 'platform' }): Promise<Settled> => {
    const req = op.request;
    const base = { seq: op.seq, kind: 'platform' as const, type: req.type };
    if (!(await predecessorLanded(op.after, true))) {
      requests.push({ ...base, outcome: 'skipped', detail: `its ticket's operation #${op.after} did not land before the quiet period` });
      requested.get(op.seq)!.resolve(null);
      return { landed: false };
    }
    const r = await send(req);
    requested.get(op.seq)!.resolve(r instanceof InvalidInputError ? null : r);
    if (r === null) {
      requests.push({ ...base, outcome: 'gave up', detail: 'the database did not take the request before the quiet period' });
      return { landed: false };
    }
    if (r instanceof InvalidInputError) {
      requests.push({ ...base, outcome: 'rejected', detail: r.message });
      return { landed: false };
    }
    seqOf.set(r.opId, op.seq);
    mintOf.set(req.ticket, r.mint);
    requests.push({ ...base, outcome: 'requested', opId: r.opId });
    const landed = await until(async () => LANDED.has(await opState(r.opId)));
    return landed ? { landed: true, mint: r.mint, holder: req.type === 'burn' ? null : d.wallets.address(req.to), outside: false } : { landed: false };
  };

  const runResend = async (op: PlannedOp & { kind: 'resend' }) => {
    const base = { seq: op.seq, kind: 'resend' as const, type: op.request.type, of: op.of };
    // The original is sent first: a re-send is the same request again, never the first one.
    const original = await requested.get(op.of)!.promise;
    if (!original) {
      requests.push({ ...base, outcome: 'skipped', detail: `the original request #${op.of} was not made` });
      return;
    }
    const r = await send(op.request);
    if (r === null) requests.push({ ...base, outcome: 'gave up', detail: 'the database did not take the re-send before the quiet period' });
    else if (r instanceof InvalidInputError) requests.push({ ...base, outcome: 'rejected', detail: r.message, originalOpId: original.opId });
    else requests.push({ ...base, outcome: 'requested', opId: r.opId, originalOpId: original.opId, created: r.created });
  };

  const runOutside = async (op: PlannedOp & { kind: 'outside-transfer' }): Promise<Settled> => {
    if (!(await predecessorLanded(op.after, false))) return { landed: false };
    const mint = mintOf.get(op.ticket)!;
    const holder = d.wallets.outsideKey(op.from)!;
    const to = d.wallets.address(op.to);
    const outcome = await outsideTransfer(d.connection, holder, mint, to, Date.now() + Math.max(timeLeft(), 30_000));
    outside.push({ seq: op.seq, mint, to, landed: outcome.landed, ...(outcome.why ? { why: outcome.why } : {}) });
    return outcome.landed ? { landed: true, mint, holder: to, outside: true } : { landed: false };
  };

  const tasks = plan.map(async (op) => {
    const wait = op.at - d.now();
    if (wait > 0) await sleep(wait, undefined, { signal: d.signal }).catch(() => undefined);
    const work: Promise<Settled> =
      op.kind === 'platform' ? runPlatform(op) : op.kind === 'outside-transfer' ? runOutside(op) : runResend(op).then(() => ({ landed: false }));
    settled.get(op.seq)!.resolve(
      await work.catch((err: unknown) => {
        d.say(`workload: #${op.seq} (${op.kind}) failed in the campaign itself: ${(err as Error).message}`);
        return { landed: false } as const;
      }),
    );
  });
  await Promise.all(tasks);
  return { requests, outside, seqOf };
}
