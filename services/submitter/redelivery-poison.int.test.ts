// Acceptance: Kafka Connect restarted mid-stream (and records delivered twice): no duplicate
// on-chain effect, no duplicate status event. Each kind of poison input ends in the DLQ with its
// reason, and the operation behind it on the same partition (same key) still confirms.
import { randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../api/tickets.ts';
import { mintAddressFor } from '../lib/solana/mint-address.ts';
import { TOPICS } from '../lib/topics.ts';
import type { DeadLetter, StatusEvent } from './events.ts';
import type { RunningSubmitter } from './submitter.ts';
import {
  harness,
  holdersOf,
  insertRawOutbox,
  newWallet,
  requestMints,
  startTestSubmitter,
  submitterEnv,
  tailDlq,
  tailStatus,
  type Tail,
} from '../../test/support/submitter.ts';
import { randomHex } from '../../test/support/random.ts';

const h = harness();
let submitter: RunningSubmitter;
let status: Tail<StatusEvent>;
let dlq: Tail<DeadLetter>;

beforeAll(async () => {
  status = await tailStatus(h);
  dlq = await tailDlq(h);
  submitter = await startTestSubmitter(h, submitterEnv(h));
});
afterAll(async () => {
  await submitter?.close();
  await status?.stop();
  await dlq?.stop();
  await h.close();
});

async function waitConnectorRunning(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const res = await fetch(`${h.env.KAFKA_CONNECT_URL}/connectors/outbox-connector/status`);
    if (res.ok) {
      const s = (await res.json()) as { connector: { state: string }; tasks: Array<{ state: string }> };
      if (s.connector.state === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((t) => t.state === 'RUNNING')) return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('outbox connector did not come back to RUNNING');
}

describe('submitter: redelivery and poison input', () => {
  it('Connect restarted mid-stream and every record delivered twice: one effect and one event per state', async () => {
    const before = await requestMints(h, Array.from({ length: 20 }, newWallet));
    const restart = await fetch(`${h.env.KAFKA_CONNECT_URL}/connectors/outbox-connector/restart?includeTasks=true`, { method: 'POST' });
    expect(restart.status).toBeLessThan(300);
    const during = await requestMints(h, Array.from({ length: 20 }, newWallet));
    await waitConnectorRunning();
    const ops = [...before, ...during];
    const ids = new Set(ops.map((o) => o.opId));

    // Whatever Debezium did, also deliver every one of these records a second time.
    const producer = h.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      const { rows } = await h.pool.query<{ id: string; aggregateid: string; type: string; payload: unknown }>(
        'SELECT id, aggregateid, type, payload FROM chain_outbox WHERE id = ANY($1::uuid[])',
        [[...ids]],
      );
      expect(rows).toHaveLength(ids.size);
      await producer.send({
        topic: TOPICS.opsRequested,
        messages: rows.map((r) => ({ key: r.aggregateid, value: JSON.stringify(r.payload), headers: { id: r.id, eventType: r.type } })),
      });
    } finally {
      await producer.disconnect();
    }

    await status.until((evs) => new Set(evs.filter((e) => ids.has(e.opId) && e.state === 'confirmed').map((e) => e.opId)).size === ids.size, 120_000);
    // Let any late duplicate surface before counting.
    await new Promise((r) => setTimeout(r, 3_000));
    const ours = status.events.filter((e) => ids.has(e.opId) && e.state !== 'finalized');
    const keys = ours.map((e) => `${e.opId}/${e.state}/${e.attempt}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(ours).toHaveLength(2 * ids.size);
    const { rows } = await h.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM submitter_attempts WHERE op_id = ANY($1::uuid[])', [[...ids]]);
    expect(rows[0]!.n).toBe(ids.size);
    for (const op of ops.filter((_, i) => i % 5 === 0)) expect(await holdersOf(h, op.mint)).toEqual({ supply: '1', owners: [op.to] });
  });

  it('dead-letters each kind of poison with its reason; the op behind it on the same key confirms', async () => {
    // The valid ticket whose mint is the key every poison record shares.
    const ticketId = `t-poison-${randomHex()}`;
    const key = (await mintAddressFor(h.authority.publicKey, ticketId)).toBase58();
    const base = { idempotencyKey: `k-${randomHex()}`, mint: key, from: null, to: newWallet(), ticketId, requestedAt: Date.now() };
    const missingTicket = `t-missing-${randomHex()}`;
    const poison = {
      unknownType: { ...base, opId: randomUUID(), type: 'teleport' },
      invalidAddress: { ...base, opId: randomUUID(), type: 'mint', to: 'not-a-wallet' },
      missingTicket: {
        ...base,
        opId: randomUUID(),
        type: 'mint',
        ticketId: missingTicket,
        mint: (await mintAddressFor(h.authority.publicKey, missingTicket)).toBase58(),
      },
    };
    // Malformed JSON cannot be stored in a jsonb outbox column: it is produced as Debezium would
    // forward a corrupt value, with the same key (so the same partition).
    const producer = h.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const malformedId = randomUUID();
    try {
      await producer.send({
        topic: TOPICS.opsRequested,
        messages: [{ key, value: '{"opId": "oops", "type": "mint", ', headers: { id: malformedId, eventType: 'mint' } }],
      });
    } finally {
      await producer.disconnect();
    }
    for (const p of Object.values(poison)) await insertRawOutbox(h, key, JSON.stringify(p));
    await createTicket(h.pool, { id: ticketId, eventId: 'submitter-test' });
    const valid = await h.api.requestMint(h.pool, { ticketId, to: base.to, idempotencyKey: `mint-${ticketId}` });
    expect(valid.mint).toBe(key);

    await status.until((evs) => evs.some((e) => e.opId === valid.opId && e.state === 'confirmed'), 90_000);
    const poisonIds = new Set<string>(Object.values(poison).map((p) => p.opId));
    const ours = (d: DeadLetter) => (d.opId !== null && poisonIds.has(d.opId)) || d.rawPayload.includes('"oops"');
    await dlq.until((d) => d.filter(ours).length >= 4, 30_000);
    const letters = dlq.events.filter(ours);
    expect(letters).toHaveLength(4);
    const reasonOf = (pred: (d: DeadLetter) => boolean) => letters.find(pred)?.reason;
    expect(reasonOf((d) => d.rawPayload.includes('"oops"'))).toMatch(/malformed JSON/);
    expect(reasonOf((d) => d.opId === poison.unknownType.opId)).toMatch(/unknown operation type "teleport"/);
    expect(reasonOf((d) => d.opId === poison.invalidAddress.opId)).toMatch(/invalid address in to/);
    expect(reasonOf((d) => d.opId === poison.missingTicket.opId)).toMatch(new RegExp(`ticket ${missingTicket} does not exist`));
    for (const d of letters) {
      expect(d.errorKind).toBe('invalid_input');
      expect(d.sourceTopic).toBe(TOPICS.opsRequested);
    }
    // A readable poison record also gets its dead_lettered status event; each exactly once.
    const readable = new Set<string>([poison.invalidAddress.opId, poison.missingTicket.opId]);
    const dead = status.events.filter((e) => e.state === 'dead_lettered' && readable.has(e.opId));
    expect(dead.map((e) => e.opId).sort()).toEqual([poison.invalidAddress.opId, poison.missingTicket.opId].sort());
    expect(await holdersOf(h, key)).toEqual({ supply: '1', owners: [base.to] });
  });
});
