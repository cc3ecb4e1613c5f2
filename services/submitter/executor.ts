// Carries one operation from its current state to confirmed or failed: builds and signs, persists
// the attempt before broadcasting, rebroadcasts the same bytes, re-signs only on expiry
// (decide.ts), and treats an effect already on chain as success. A step that throws is tried
// again, parked for review or failed as step-failure.ts decides. Safe to stop at any await: all
// progress that matters is in the database before the next step depends on it.
import { setTimeout as sleep } from 'node:timers/promises';
import { PublicKey, type Keypair } from '@solana/web3.js';
import { MINT_SIZE } from '@solana/spl-token';
import { withTransaction, type Pool } from '../lib/db.ts';
import { errorMessage, PermanentError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { backoffPolicy, type BackoffPolicy } from '../lib/retry.ts';
import { classifyTxError } from '../lib/solana/classify.ts';
import { custodialKeypair } from '../lib/solana/keys.ts';
import { feeLamports, MAX_COMPUTE_UNITS, type ComputeBudget } from '../lib/solana/compute-budget.ts';
import { RpcFailure, type RpcPool } from '../lib/solana/rpc-pool.ts';
import { buildBurnTx, buildMintTx, buildTransferTx, type Blockhash, type SignedTx } from '../lib/solana/transactions.ts';
import { TOPICS } from '../lib/topics.ts';
import type { BlockhashCache } from './blockhash-cache.ts';
import { chainOutcome } from './chain-state.ts';
import { decideAttempt, type AttemptView } from './decide.ts';
import { statusEvent, type DeadLetter } from './events.ts';
import { unitLimitFor, unitPriceFor, type FeePolicy } from './fee-policy.ts';
import { readChainFees } from './fee-quote.ts';
import type { SubmitterMetrics } from './metrics.ts';
import type { SignatureWatcher } from './signature-watcher.ts';
import { classifyStepFailure, decideStepFailure, parkedReason } from './step-failure.ts';
import * as store from './store.ts';

export interface ExecContext {
  pool: Pool;
  rpc: RpcPool;
  watcher: SignatureWatcher;
  logger: Logger;
  metrics: SubmitterMetrics;
  authority: Keypair;
  custodialSeed: Uint8Array;
  rebroadcastMs: number;
  maxAttempts: number;
  /** Times the same internal error is met before the operation is parked (SUBMITTER_PARK_AFTER). */
  parkAfter: number;
  /** Between failed steps; STEP_BACKOFF unless a test wants it quicker. */
  retryBackoff?: BackoffPolicy;
  blockhashes: BlockhashCache;
  /** What each attempt offers for compute units (SUBMITTER_CU_*). */
  feePolicy: FeePolicy;
  /** Called after a status event was written, so the publisher need not wait for its tick. */
  onStatus: () => void;
  now?: () => number;
}

type Attempt = AttemptView & store.StoredAttempt & { sent: boolean };

/**
 * Between failed steps: 0.5 s doubling to 10 s, the lower half jittered. The executor's loop
 * decides when to stop (step-failure.ts), so the policy's own attempt limit is never reached.
 */
export const STEP_BACKOFF = backoffPolicy({ initialMs: 500, maxMs: 10_000, multiplier: 2, jitter: 0.5, maxAttempts: Number.MAX_SAFE_INTEGER });

let mintRent: Promise<number> | undefined;

export async function runOp(ctx: ExecContext, op: store.StoredOp, signal: AbortSignal): Promise<void> {
  const now = ctx.now ?? Date.now;
  const log = ctx.logger.child({ opId: op.opId, mint: op.mint, type: op.type });
  // A fresh op has no attempts to load (op.attempts counts every generation's).
  const stored = op.attempts > 0 ? await store.attemptsOf(ctx.pool, op.opId) : [];
  const attempts: Attempt[] = stored.map((a) => ({ ...a, sentAt: null, sent: false }));
  if (attempts.length) log.info({ attempts: attempts.length, signature: attempts.at(-1)?.signature }, 'resuming: checking signature status first');

  const confirm = async (attempt: number, signature: string | null, slot: number) => {
    await store.markConfirmed(ctx.pool, op.opId, statusEvent(op, 'confirmed', { attempt, signature, slot, at: now() }));
    ctx.metrics.operations.inc({ state: 'confirmed' });
    const paid = attempts.find((a) => a.signature === signature)?.feeLamports;
    if (paid) ctx.metrics.feesPaid.inc(Number(paid));
    ctx.metrics.confirmationSeconds.observe(Math.max(0, now() - op.requestedAt) / 1000);
    ctx.onStatus();
    log.info({ signature, slot, attempt }, signature ? 'confirmed' : 'already done on chain');
  };

  const fail = async (kind: 'permanent' | 'exhausted', reason: string, attempt: number, signature: string | null = null, slot: number | null = null) => {
    const { seq: _s, state: _st, attempts: _a, ...payload } = op;
    // The intake position is not kept per op; the reason and op id identify it.
    const dl: DeadLetter = {
      opId: op.opId,
      mint: op.mint,
      rawPayload: JSON.stringify(payload),
      errorKind: kind,
      reason,
      attempts: attempt,
      sourceTopic: TOPICS.opsRequested,
      sourcePartition: -1,
      sourceOffset: '',
      at: now(),
    };
    await withTransaction(ctx.pool, (c) =>
      store.markFailed(c, op.opId, statusEvent(op, 'failed', { attempt, signature, slot, error: reason, errorKind: kind, at: now() }), dl),
    );
    ctx.metrics.operations.inc({ state: 'failed' });
    ctx.metrics.deadLetters.inc({ kind });
    ctx.onStatus();
    log.warn({ signature, reason, kind }, 'operation failed');
  };

  const ownerOf = async (address: string): Promise<Keypair> => {
    const index = await store.custodialIndex(ctx.pool, address);
    if (index === undefined) throw new PermanentError(`from wallet ${address} is not a custodial wallet`, { opId: op.opId, mint: op.mint });
    const kp = custodialKeypair(ctx.custodialSeed, index);
    if (kp.publicKey.toBase58() !== address)
      throw new PermanentError(`custodial wallet ${address} does not derive from index ${index}`, { opId: op.opId, mint: op.mint });
    return kp;
  };

  /** Signs the op's transaction: with what the signers need looked up once per attempt. */
  const signer = async (): Promise<(blockhash: Blockhash, budget: ComputeBudget) => SignedTx> => {
    const mint = new PublicKey(op.mint);
    switch (op.type) {
      case 'mint': {
        mintRent ??= ctx.rpc
          .call('getMinimumBalanceForRentExemption', (c) => c.getMinimumBalanceForRentExemption(MINT_SIZE))
          .catch((err: unknown) => {
            mintRent = undefined;
            throw err;
          });
        const rentLamports = await mintRent;
        return (blockhash, budget) =>
          buildMintTx({ authority: ctx.authority, ticketId: op.ticketId, mint, to: new PublicKey(op.to!), rentLamports, blockhash, budget });
      }
      case 'transfer': {
        const owner = await ownerOf(op.from!);
        return (blockhash, budget) => buildTransferTx({ authority: ctx.authority, owner, mint, to: new PublicKey(op.to!), blockhash, budget });
      }
      case 'burn': {
        const owner = await ownerOf(op.from!);
        return (blockhash, budget) => buildBurnTx({ authority: ctx.authority, owner, mint, blockhash, budget });
      }
    }
  };

  /**
   * Signs a new attempt with a fresh blockhash and the budget the chain asks for now: a draft at
   * the maximum limit is simulated for its units, and the price follows the recent fees of the
   * accounts it writes, raised over the last attempt's after an expiry (fee-policy.ts).
   */
  /** Signatures of attempts whose draft simulated without an error, not yet sent. */
  const simulatedClean = new Set<string>();
  const newAttempt = async (height = 0): Promise<Attempt> => {
    const bh = await ctx.blockhashes.get(signal, height);
    const sign = await signer();
    const chain = await readChainFees(ctx.rpc, sign(bh, { unitLimit: MAX_COMPUTE_UNITS, unitPrice: 0n }), signal);
    const previousPrice = attempts.at(-1)?.unitPrice ?? null;
    const budget: ComputeBudget = {
      unitLimit: unitLimitFor(chain.unitsConsumed, ctx.feePolicy),
      unitPrice: BigInt(unitPriceFor({ recentFees: chain.recentFees, previousPrice, policy: ctx.feePolicy })),
    };
    const tx = sign(bh, budget);
    if (chain.unitsConsumed !== null) simulatedClean.add(tx.signature);
    const a: Attempt = {
      attempt: attempts.length + 1,
      signature: tx.signature,
      txBytes: tx.bytes,
      blockhash: bh.blockhash,
      lastValidBlockHeight: bh.lastValidBlockHeight,
      unitLimit: budget.unitLimit,
      unitPrice: Number(budget.unitPrice),
      feeLamports: feeLamports(tx.signatureCount, budget),
      sentAt: null,
      sent: false,
    };
    await store.recordAttempt(ctx.pool, op.opId, a, statusEvent(op, 'submitted', { attempt: a.attempt, signature: a.signature, at: now() }));
    attempts.push(a);
    ctx.metrics.attempts.inc();
    ctx.metrics.unitPrice.observe(a.unitPrice!);
    ctx.metrics.operations.inc({ state: 'submitted' });
    ctx.onStatus();
    log.info(
      {
        signature: a.signature,
        attempt: a.attempt,
        lastValidBlockHeight: a.lastValidBlockHeight,
        unitPrice: a.unitPrice,
        unitLimit: a.unitLimit,
        unitsSimulated: chain.unitsConsumed,
        previousPrice,
      },
      'attempt signed and persisted',
    );
    return a;
  };

  /** Done on chain already? Then success without a (new) transaction. Returns true when the op is finished. */
  const settledOnChain = async (attempt: number, refusal?: string): Promise<boolean> => {
    const outcome = await chainOutcome(ctx.rpc, op, signal);
    if (outcome.kind === 'done') {
      await confirm(attempt, null, outcome.slot);
      return true;
    }
    if (outcome.kind === 'conflict') {
      await fail('permanent', outcome.reason, attempt);
      return true;
    }
    if (refusal !== undefined) {
      await fail('permanent', refusal, attempt, attempts.at(-1)?.signature ?? null);
      return true;
    }
    return false;
  };

  /**
   * Broadcasts; returns true when a refusal finished the op. The first send of an attempt whose
   * draft just simulated cleanly skips preflight: the node would only run the same simulation
   * again. Rebroadcasts, and attempts resumed after a restart, keep it.
   */
  const broadcast = async (a: Attempt): Promise<boolean> => {
    a.sentAt = now();
    try {
      await ctx.rpc.sendRaw(a.txBytes, { skipPreflight: simulatedClean.delete(a.signature) }, signal);
      if (!a.sent) await store.markSent(ctx.pool, a.signature);
      a.sent = true;
      return false;
    } catch (err) {
      if (!(err instanceof RpcFailure)) throw err;
      const c = err.classification;
      if (c.kind === 'permanent' || c.kind === 'invalid_input') {
        // A refusal can mean the effect is already there (e.g. an earlier attempt landed, or the
        // mint account exists): look at the chain before calling it a failure.
        const view = await ctx.watcher.look(attempts.map((x) => x.signature));
        if ([...view.statuses.values()].some((s) => s !== null)) return false;
        return settledOnChain(a.attempt, c.reason);
      }
      // Transient, blockhash not found, unknown: the bytes may be out or not; the status loop
      // decides, and only expiry leads to a new signature.
      log.warn({ signature: a.signature, reason: c.reason, kind: c.kind }, 'broadcast not accepted; will check status and rebroadcast');
      return false;
    }
  };

  /** Parks the op: nothing published, the attempts kept; the scheduler then releases the mint. */
  const park = async (err: unknown, failure: string, occurrences: number, onChain: boolean) => {
    const reason = parkedReason(err);
    await store.parkOp(ctx.pool, op.opId, reason);
    ctx.metrics.parked.inc({ failure, on_chain: onChain ? 'maybe' : 'no' });
    log.error(
      { err, reason, occurrences, attempts: attempts.length, signature: attempts.at(-1)?.signature, onChain },
      onChain ? 'operation parked for review; an attempt may be on chain: it is looked up there when the operation resumes' : 'operation parked for review',
    );
  };

  let failures = 0;
  /** Times this run met each internal error (step-failure.ts), by its key. */
  const met = new Map<string, number>();
  /** Attempts up to this number expired unseen (earlier generations' included): none of them can land. */
  let deadThrough = op.attemptBase;
  while (!signal.aborted) {
    try {
      const view = attempts.length ? await ctx.watcher.look(attempts.map((a) => a.signature)) : { statuses: new Map(), blockHeight: 0 };
      // Attempt numbers go on across re-requests (op.attemptBase came before); each generation gets the full budget.
      const d = decideAttempt({
        attempts,
        statuses: view.statuses,
        blockHeight: view.blockHeight,
        now: now(),
        rebroadcastMs: ctx.rebroadcastMs,
        maxAttempts: op.attemptBase + ctx.maxAttempts,
      });
      switch (d.kind) {
        case 'confirmed':
          return await confirm(d.attempt, d.signature, d.slot);
        case 'landed_failed': {
          const reason = classifyTxError(d.err).reason;
          if (await settledOnChain(d.attempt)) return;
          return await fail('permanent', `transaction ${d.signature} failed on chain: ${reason}`, d.attempt, d.signature, d.slot);
        }
        case 'wait':
          continue;
        case 'rebroadcast':
          if (await broadcast(attempts[d.attempt - 1]!)) return;
          continue;
        case 'exhausted':
          return await fail(
            'exhausted',
            `blockhash expired on all ${d.attempt - op.attemptBase} attempts${op.attemptBase ? ` of generation ${op.generation}` : ''} without the transaction landing`,
            d.attempt,
            attempts.at(-1)?.signature ?? null,
          );
        case 'expired': {
          const last = attempts[d.attempt - 1]!;
          const e = statusEvent(op, 'expired', {
            attempt: d.attempt,
            signature: last.signature,
            error: `blockhash expired at height ${view.blockHeight} > ${last.lastValidBlockHeight}; signature not found`,
            at: now(),
          });
          await store.markExpired(ctx.pool, op.opId, d.attempt, e);
          deadThrough = d.attempt;
          ctx.metrics.operations.inc({ state: 'expired' });
          ctx.onStatus();
          log.warn({ signature: last.signature, attempt: d.attempt }, 'attempt expired; re-signing with a fresh blockhash');
          if (await settledOnChain(d.attempt)) return;
          if (await broadcast(await newAttempt(view.blockHeight))) return;
          continue;
        }
        case 'build':
          // No attempt yet, so none of ours can have landed; an effect already there (e.g. the
          // mint account exists) shows up as a preflight refusal, which checks the chain.
          if (await broadcast(await newAttempt())) return;
          continue;
      }
    } catch (err) {
      if (signal.aborted) return;
      failures++;
      const failure = classifyStepFailure(err);
      const occurrences = failure.kind === 'internal' ? (met.get(failure.key) ?? 0) + 1 : 0;
      if (failure.kind === 'internal') met.set(failure.key, occurrences);
      // Signed and persisted before it was broadcast: it may be out, unless seen to expire unseen.
      const onChain = attempts.length > deadThrough;
      const verdict = decideStepFailure({
        failure,
        occurrences,
        parkAfter: ctx.parkAfter,
        mayBeOnChain: onChain,
        retry: failures,
        backoff: ctx.retryBackoff ?? STEP_BACKOFF,
        random: Math.random(),
      });
      switch (verdict.kind) {
        case 'fail':
          return fail('permanent', errorMessage(err), attempts.length);
        case 'park':
          return park(err, failure.kind === 'internal' ? failure.cause : failure.kind, occurrences, onChain);
        case 'retry':
          log.warn({ err, failures, ...(occurrences ? { occurrences, parkAfter: ctx.parkAfter } : {}) }, 'step failed; retrying');
          await sleep(verdict.delayMs, undefined, { signal }).catch(() => undefined);
      }
    }
  }
}
