// chain.ops.requested → submitter_ops. Kafka is the notification; the table is the work queue.
// A batch is parsed and validated, written in one transaction (ops deduplicated by op id, poison
// recorded as dead letters), and only then are its offsets committed (invariant 6). Nothing here
// waits for the chain, so a partition is never held and the session never times out on it.
import type { Batch, KafkaMessage } from 'kafkajs';
import type { PublicKey } from '@solana/web3.js';
import { withTransaction, type Pool } from '../lib/db.ts';
import type { Logger } from '../lib/logger.ts';
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
}

type Verdict = { ok: true; op: Operation } | { ok: false; reason: string; partial: Partial; message: KafkaMessage };

async function judge(ctx: IntakeContext, message: KafkaMessage): Promise<Verdict> {
  const parsed = parseOperation(message.value === null ? null : message.value.toString('utf8'), ctx.schema);
  if (!parsed.ok) return { ...parsed, message };
  const bad = checkMintAddress(parsed.op, (await mintAddressFor(ctx.authority, parsed.op.ticketId)).toBase58());
  if (bad) return { ok: false, reason: bad, partial: parsed.op, message };
  return parsed;
}

/** Takes in one batch; returns what it did, for logs and tests. */
export async function takeIn(ctx: IntakeContext, batch: Pick<Batch, 'topic' | 'partition' | 'messages'>): Promise<{ inserted: number; duplicates: number; deadLettered: number }> {
  const now = ctx.now ?? Date.now;
  const verdicts = await Promise.all(batch.messages.map((m) => judge(ctx, m)));
  const candidates = verdicts.filter((v): v is Extract<Verdict, { ok: true }> => v.ok).map((v) => v.op);
  const tickets = await store.existingTickets(ctx.pool, [...new Set(candidates.map((o) => o.ticketId))]);
  const valid: Operation[] = [];
  const poison: Array<{ reason: string; partial: Partial; message: KafkaMessage }> = [];
  verdicts.forEach((v, i) => {
    if (!v.ok) poison.push(v);
    else if (!tickets.has(v.op.ticketId)) poison.push({ reason: `ticket ${v.op.ticketId} does not exist`, partial: v.op, message: batch.messages[i]! });
    else valid.push(v.op);
  });

  return withTransaction(ctx.pool, async (client) => {
    const inserted = await store.insertOps(client, valid);
    let deadLettered = 0;
    for (const p of poison) {
      const m = p.message;
      const eventId = m.headers?.id?.toString();
      const dedupeKey = eventId ? `event:${eventId}` : p.partial.opId ? `op:${p.partial.opId}` : `at:${batch.topic}/${batch.partition}/${m.offset}`;
      const dl: DeadLetter = {
        opId: p.partial.opId ?? null,
        mint: p.partial.mint ?? null,
        rawPayload: m.value === null ? '' : m.value.toString('utf8'),
        errorKind: 'invalid_input',
        reason: p.reason,
        attempts: 0,
        sourceTopic: batch.topic,
        sourcePartition: batch.partition,
        sourceOffset: m.offset,
        at: now(),
      };
      if (!(await store.insertDeadLetter(client, dedupeKey, dl))) continue;
      deadLettered++;
      const { opId, idempotencyKey, mint, type } = p.partial;
      // A status event needs the fields the status schema requires; garbage gets only its DLQ record.
      if (opId && idempotencyKey && mint && type) {
        await store.insertStatus(client, statusEvent({ opId, idempotencyKey, mint, type, to: p.partial.to ?? null }, 'dead_lettered', { attempt: 0, error: p.reason, at: now() }));
      }
      ctx.logger.warn({ opId, mint, reason: p.reason, partition: batch.partition, offset: m.offset }, 'dead-lettered invalid operation');
    }
    ctx.metrics.intake.inc({ result: 'taken' }, inserted.length);
    ctx.metrics.intake.inc({ result: 'duplicate' }, valid.length - inserted.length);
    ctx.metrics.intake.inc({ result: 'dead_lettered' }, deadLettered);
    ctx.metrics.deadLetters.inc({ kind: 'invalid_input' }, deadLettered);
    if (deadLettered) ctx.metrics.operations.inc({ state: 'dead_lettered' }, deadLettered);
    return { inserted: inserted.length, duplicates: valid.length - inserted.length, deadLettered };
  });
}
