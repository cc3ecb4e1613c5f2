// chain.ops.requested → submitter_ops. Kafka is the notification; the table is the work queue.
// A fetch's batches (one per partition, coalesced) are parsed and validated, written in one
// transaction (ops deduplicated by op id, poison recorded as dead letters), and only then are
// their offsets committed (invariant 6). Nothing here waits for the chain, so a partition is never
// held and the session never times out on it.
//
// A known op id arriving with a higher generation is a re-request (api retryOperation): same op,
// same idempotency key. It re-opens the op only when re-running it is safe by construction (see
// judgeRerequest); attempts keep their numbers and rows, so the history stays and invariant 2 holds.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Batch, KafkaMessage } from 'kafkajs';
import type { PublicKey } from '@solana/web3.js';
import { withTransaction, type Pool } from '../lib/db.ts';
import type { Logger } from '../lib/logger.ts';
import { backoffDelay, backoffPolicy } from '../lib/retry.ts';
import { mintAddressFor } from '../lib/solana/mint-address.ts';
import type avro from 'avsc';
import { statusEvent, type DeadLetter } from './events.ts';
import type { SubmitterMetrics } from './metrics.ts';
import { checkMintAddress, parseOperation, type Operation, type Partial } from './operation.ts';
import * as store from './store.ts';

export interface IntakeContext {
  pool: Pool;
  schema: avro.Type;
  authority: PublicKey;
  logger: Logger;
  metrics: SubmitterMetrics;
  now?: () => number;
  /**
   * How long a request whose ticket is not visible yet is waited for before it is dead-lettered
   * (default 5 s): Debezium can deliver a commit's outbox row before that commit is visible to a
   * new snapshot, so an absent ticket is only poison once it stays absent.
   */
  ticketWaitMs?: number;
}

const TICKET_WAIT_MS = 5_000;
/** Re-reads of missing tickets: 25 ms, doubling, at most 1 s apart, within the wait. */
const TICKET_BACKOFF = backoffPolicy({ initialMs: 25, maxMs: 1_000, jitter: 0 });

/**
 * The tickets of `ids` that exist, read again with backoff while some are missing, until the
 * wait has passed: the API writes a request and its ticket in one transaction, so a ticket
 * missing at first is nearly always a commit not visible yet.
 */
async function visibleTickets(ctx: IntakeContext, ids: string[]): Promise<Set<string>> {
  const found = await store.existingTickets(ctx.pool, ids);
  if (found.size === ids.length) return found;
  const waitMs = ctx.ticketWaitMs ?? TICKET_WAIT_MS;
  const started = Date.now();
  for (let attempt = 1; found.size < ids.length; attempt++) {
    const left = waitMs - (Date.now() - started);
    if (left <= 0) return found;
    await sleep(Math.min(left, backoffDelay(TICKET_BACKOFF, attempt, 0)));
    for (const id of await store.existingTickets(
      ctx.pool,
      ids.filter((id) => !found.has(id)),
    ))
      found.add(id);
  }
  ctx.logger.info({ afterMs: Date.now() - started }, 'tickets of taken-in requests became visible after a wait');
  return found;
}

export type Rerequest = 'reopen' | 'raise' | 'refuse';

/**
 * What a newer generation of a known op does. Only an op that failed as exhausted is run again:
 * every attempt's blockhash expired with its signature unseen, so none of them can land any more,
 * and the executor still looks at the chain before signing (an effect that did land is confirmed,
 * not repeated). A permanent failure (refused, failed on chain, conflicting account) would fail the
 * same way, and a failure of unknown kind is not known to be safe: refused, with a dead letter.
 * An op that has not failed (not run yet, running, done) takes the generation as it is.
 */
export function judgeRerequest(row: Pick<store.GenerationRow, 'state' | 'failureKind'>): Rerequest {
  if (row.state !== 'failed') return 'raise';
  return row.failureKind === 'exhausted' ? 'reopen' : 'refuse';
}

type Verdict = { ok: true; op: Operation } | { ok: false; reason: string; partial: Partial; message: KafkaMessage };
type Source = { topic: string; partition: number };

async function judge(ctx: IntakeContext, message: KafkaMessage): Promise<Verdict> {
  const parsed = parseOperation(message.value === null ? null : message.value.toString('utf8'), ctx.schema);
  if (!parsed.ok) return { ...parsed, message };
  const bad = checkMintAddress(parsed.op, (await mintAddressFor(ctx.authority, parsed.op.ticketId)).toBase58());
  if (bad) return { ok: false, reason: bad, partial: parsed.op, message };
  return parsed;
}

export type IntakeBatch = Pick<Batch, 'topic' | 'partition' | 'messages'>;

/**
 * Takes in batches, of one partition each, in one transaction; returns what it did, for logs and
 * tests. A mint's operations share a partition (keyed by mint), so keeping each batch's order
 * keeps theirs.
 */
export async function takeIn(
  ctx: IntakeContext,
  batches: readonly IntakeBatch[],
): Promise<{ inserted: number; duplicates: number; deadLettered: number; reopened: number }> {
  const now = ctx.now ?? Date.now;
  const messages = batches.flatMap((b) => b.messages.map((message) => ({ topic: b.topic, partition: b.partition, message })));
  const verdicts = await Promise.all(messages.map((m) => judge(ctx, m.message)));
  const candidates = verdicts.filter((v): v is Extract<Verdict, { ok: true }> => v.ok).map((v) => v.op);
  const tickets = await visibleTickets(ctx, [...new Set(candidates.map((o) => o.ticketId))]);
  const valid: Operation[] = [];
  const sourceOf = new Map<string, Source>();
  const poison: Array<{ reason: string; partial: Partial; message: KafkaMessage; source: Source }> = [];
  verdicts.forEach((v, i) => {
    const source = messages[i]!;
    if (!v.ok) poison.push({ ...v, source });
    else if (!tickets.has(v.op.ticketId)) poison.push({ reason: `ticket ${v.op.ticketId} does not exist`, partial: v.op, message: source.message, source });
    else {
      valid.push(v.op);
      sourceOf.set(v.op.opId, { topic: source.topic, partition: source.partition });
    }
  });

  return withTransaction(ctx.pool, async (client) => {
    const inserted = await store.insertOps(client, valid);
    let deadLettered = 0;
    let [reopened, refused, raised] = [0, 0, 0];
    const known = await store.lockForRerequest(client, valid);
    const fresh = new Set(inserted);
    for (const op of valid) {
      const row = known.get(op.opId);
      // Each op once per batch (a redelivery may repeat it); the generation of an op first seen
      // in a re-request is simply recorded.
      if (!row || !known.delete(op.opId)) continue;
      if (fresh.has(op.opId)) {
        await store.raiseGeneration(client, op.opId, op.generation);
        continue;
      }
      const log = { opId: op.opId, mint: op.mint, generation: op.generation, previous: row.generation, state: row.state };
      const verdict = judgeRerequest(row);
      if (verdict === 'reopen') {
        await store.reopenOp(client, row, op.generation);
        reopened++;
        ctx.logger.info(log, 're-requested: failed operation re-opened under the same op id and idempotency key');
        continue;
      }
      await store.raiseGeneration(client, op.opId, op.generation);
      if (verdict === 'raise') {
        raised++;
        ctx.logger.warn(log, 're-request of an operation that has not failed: it goes on as it is');
        continue;
      }
      refused++;
      const reason = `re-request (generation ${op.generation}) refused: the operation failed ${row.failureKind ?? 'for an unknown reason'} (${row.lastError ?? 'no error recorded'}); running it again is not known to be safe`;
      const dl: DeadLetter = {
        opId: op.opId,
        mint: op.mint,
        rawPayload: JSON.stringify(op),
        errorKind: 'permanent',
        reason,
        attempts: row.attempts,
        sourceTopic: sourceOf.get(op.opId)!.topic,
        sourcePartition: sourceOf.get(op.opId)!.partition,
        sourceOffset: '',
        at: now(),
      };
      if (await store.insertDeadLetter(client, `op:${op.opId}:g${op.generation}:refused`, dl)) {
        await store.insertStatus(client, statusEvent(op, 'dead_lettered', { attempt: row.attempts, error: reason, errorKind: 'permanent', at: now() }));
        deadLettered++;
      }
      ctx.logger.warn({ ...log, reason }, 're-request refused');
    }
    for (const p of poison) {
      const m = p.message;
      const eventId = m.headers?.id?.toString();
      const dedupeKey = eventId ? `event:${eventId}` : p.partial.opId ? `op:${p.partial.opId}` : `at:${p.source.topic}/${p.source.partition}/${m.offset}`;
      const dl: DeadLetter = {
        opId: p.partial.opId ?? null,
        mint: p.partial.mint ?? null,
        rawPayload: m.value === null ? '' : m.value.toString('utf8'),
        errorKind: 'invalid_input',
        reason: p.reason,
        attempts: 0,
        sourceTopic: p.source.topic,
        sourcePartition: p.source.partition,
        sourceOffset: m.offset,
        at: now(),
      };
      if (!(await store.insertDeadLetter(client, dedupeKey, dl))) continue;
      deadLettered++;
      const { opId, idempotencyKey, mint, type } = p.partial;
      // A status event needs the fields the status schema requires; garbage gets only its DLQ record.
      if (opId && idempotencyKey && mint && type) {
        await store.insertStatus(
          client,
          statusEvent({ opId, idempotencyKey, mint, type, to: p.partial.to ?? null }, 'dead_lettered', {
            attempt: 0,
            error: p.reason,
            errorKind: 'invalid_input',
            at: now(),
          }),
        );
      }
      ctx.logger.warn({ opId, mint, reason: p.reason, partition: p.source.partition, offset: m.offset }, 'dead-lettered invalid operation');
    }
    ctx.metrics.intake.inc({ result: 'taken' }, inserted.length);
    const duplicates = valid.length - inserted.length - reopened - refused - raised;
    ctx.metrics.intake.inc({ result: 'duplicate' }, duplicates);
    ctx.metrics.intake.inc({ result: 'reopened' }, reopened);
    ctx.metrics.intake.inc({ result: 'dead_lettered' }, deadLettered);
    ctx.metrics.deadLetters.inc({ kind: 'invalid_input' }, deadLettered);
    if (deadLettered) ctx.metrics.operations.inc({ state: 'dead_lettered' }, deadLettered);
    return { inserted: inserted.length, duplicates, deadLettered, reopened };
  });
}
