import { setTimeout as sleep } from 'node:timers/promises';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv } from '../../test/support/stack-env.ts';
import { startOwnershipConsumer } from './consumers.ts';
import type { RunningConsumer } from './exactly-once-consumer.ts';
import {
  createPrivateTarget,
  createTopic,
  deleteTopic,
  ownershipChange,
  produceOwnership,
  projectorTestContext,
  randomMint,
  readTable,
  waitForDbOffsets,
} from '../../test/support/projector.ts';
import { reduceOwnership, type OwnershipChange } from './ownership-reducer.ts';
import { rebuildOwnership } from './rebuild.ts';
import { randomHex } from '../../test/support/random.ts';

const ctx = projectorTestContext(stackEnv());
let producer: Producer;
const topics: string[] = [];
const targets: Array<{ drop: () => Promise<void> }> = [];
const running: RunningConsumer[] = [];

beforeAll(async () => {
  producer = ctx.kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop().catch(() => undefined)));
  await producer.disconnect();
  for (const t of targets) await t.drop();
  for (const t of topics) await deleteTopic(ctx.kafka, t);
  await ctx.pool.query('DELETE FROM projector_offsets WHERE topic = ANY($1)', [topics]);
  await ctx.close();
});

/**
 * Per mint a chain history with increasing slots and changing owners; delivered shuffled (older
 * slots after newer ones) with duplicates. Returns the records and, per mint, the owner at the
 * highest slot: what the table must say whatever the delivery order.
 */
function histories(mints: string[], slotsPerMint: number, slotBase = 0) {
  const records: OwnershipChange[] = [];
  const expected = new Map<string, { owner: string | null; slot: number }>();
  for (const [m, mint] of mints.entries()) {
    // Every fifth mint ends burned.
    const owners = Array.from({ length: slotsPerMint }, (_, i) => (i === slotsPerMint - 1 && m % 5 === 0 ? null : `wallet-${randomHex(4)}`));
    owners.forEach((owner, i) => {
      const slot = slotBase + (i + 1) * 10;
      records.push(ownershipChange(mint, slot, owner));
      if (i % 2 === 0) records.push(ownershipChange(mint, slot, owner)); // duplicate
    });
    expected.set(mint, { owner: owners.at(-1)!, slot: slotBase + slotsPerMint * 10 });
  }
  for (let i = records.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [records[i], records[j]] = [records[j]!, records[i]!];
  }
  return { records, expected };
}

async function expectTable(table: string, expected: Map<string, { owner: string | null; slot: number }>) {
  const rows = await readTable(ctx.pool, table);
  for (const [mint, want] of expected) {
    expect(rows.get(mint), mint).toMatchObject({ owner: want.owner, slot: String(want.slot) });
  }
}

async function start(topic: string, groupId: string, target: Awaited<ReturnType<typeof createPrivateTarget>>, beforeCommit?: () => void) {
  const r = await startOwnershipConsumer(ctx, { topic, groupId, target, ...(beforeCommit ? { beforeCommit } : {}) });
  running.push(r);
  return r;
}

describe('ownership projection on the real stack', () => {
  it('applies shuffled, duplicated records: per mint the highest slot wins; tickets and the audit trail follow', async () => {
    const topic = await createTopic(ctx.kafka);
    topics.push(topic);
    const target = await createPrivateTarget(ctx.pool);
    targets.push(target);
    const mints = Array.from({ length: 30 }, randomMint);
    // Tickets for the first ten mints: their owner_wallet must follow the chain.
    const ticketIds = mints.slice(0, 10).map((m) => `t-${randomHex()}-${m.slice(0, 6)}`);
    for (const [i, id] of ticketIds.entries()) {
      await ctx.pool.query(`INSERT INTO tickets (id, event_id, mint_address, status) VALUES ($1, 'projector-test', $2, 'mint_requested')`, [id, mints[i]]);
    }
    const { records, expected } = histories(mints, 4);
    await produceOwnership(producer, ctx.registry, topic, records);
    const group = `projector-test-${randomHex()}`;
    const consumer = await start(topic, group, target);
    await waitForDbOffsets(ctx.pool, ctx.kafka, group, topic);
    await expectTable(target.table, expected);

    const { rows: tickets } = await ctx.pool.query<{ mint_address: string; owner_wallet: string | null; status: string }>(
      'SELECT mint_address, owner_wallet, status FROM tickets WHERE id = ANY($1)',
      [ticketIds],
    );
    expect(tickets).toHaveLength(10);
    for (const t of tickets) {
      const want = expected.get(t.mint_address)!;
      expect(t.owner_wallet).toBe(want.owner);
      expect(t.status).toBe(want.owner === null ? 'burned' : 'minted');
    }
    // The audit trail per mint is a chain from null to the projected owner.
    const { rows: audit } = await ctx.pool.query<{ mint: string; old_owner: string | null; new_owner: string | null }>(
      `SELECT mint, old_owner, new_owner FROM ${target.audit} ORDER BY id`,
    );
    for (const [mint, want] of expected) {
      const trail = audit.filter((a) => a.mint === mint);
      // A burned mint whose burn record arrived before its older records was never seen owned:
      // no owner change, so no trail. Every other mint has one.
      if (trail.length === 0 && want.owner === null) continue;
      expect(trail.length, mint).toBeGreaterThan(0);
      expect(trail[0]!.old_owner).toBeNull();
      trail.slice(1).forEach((a, i) => expect(a.old_owner).toBe(trail[i]!.new_owner));
      expect(trail.at(-1)!.new_owner).toBe(want.owner);
    }
    await consumer.stop();
    await ctx.pool.query('DELETE FROM tickets WHERE id = ANY($1)', [ticketIds]);
  });

  it('a crash between the rows and the commit leaves neither rows nor offset; the retry applies the batch once', async () => {
    const topic = await createTopic(ctx.kafka);
    topics.push(topic);
    const target = await createPrivateTarget(ctx.pool, false);
    targets.push(target);
    const mints = Array.from({ length: 40 }, randomMint);
    const { records, expected } = histories(mints, 3);
    await produceOwnership(producer, ctx.registry, topic, records);
    const group = `projector-test-${randomHex()}`;
    let crashes = 0;
    const observed: Array<{ offsets: number; rows: number }> = [];
    await start(topic, group, target, async () => {
      if (crashes >= 3) return;
      crashes++;
      // Seen from another connection while this transaction holds its rows and offset: nothing yet.
      const [{ rows: o }, { rows: r }] = await Promise.all([
        ctx.pool.query('SELECT 1 FROM projector_offsets WHERE group_id = $1', [group]),
        ctx.pool.query(`SELECT 1 FROM ${target.table}`),
      ]);
      observed.push({ offsets: o.length, rows: r.length });
      throw new Error('simulated crash before COMMIT');
    });
    await waitForDbOffsets(ctx.pool, ctx.kafka, group, topic);
    expect(crashes).toBe(3);
    // The first crash happened before anything was committed anywhere.
    expect(observed[0]).toEqual({ offsets: 0, rows: 0 });
    await expectTable(target.table, expected);
    const { rows: audit } = await ctx.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${target.audit}`);
    // Each owner change recorded once even though batches were retried (the count the in-order
    // application of the same records gives).
    expect(Number(audit[0]!.n)).toBe(reduceOwnership(new Map(), records).ownerChanges.length);
  });

  it('a second instance takes part of the partitions; through the rebalance the table stays correct, and rebuild gives the same table', async () => {
    const topic = await createTopic(ctx.kafka);
    topics.push(topic);
    const target = await createPrivateTarget(ctx.pool, false);
    targets.push(target);
    const group = `projector-test-${randomHex()}`;
    const mints = Array.from({ length: 60 }, randomMint);
    const waves = [0, 1000, 2000].map((base) => histories(mints, 3, base));

    const first = await start(topic, group, target);
    await produceOwnership(producer, ctx.registry, topic, waves[0]!.records);
    const second = await start(topic, group, target);
    await produceOwnership(producer, ctx.registry, topic, waves[1]!.records);
    // Both hold partitions once the group settled.
    for (
      let i = 0;
      i < 100 && (first.assigned().length === 0 || second.assigned().length === 0 || first.assigned().length + second.assigned().length !== 6);
      i++
    )
      await sleep(200);
    expect(first.assigned().length).toBeGreaterThan(0);
    expect(second.assigned().length).toBeGreaterThan(0);
    expect([...first.assigned(), ...second.assigned()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    await first.stop();
    await produceOwnership(producer, ctx.registry, topic, waves[2]!.records);
    await waitForDbOffsets(ctx.pool, ctx.kafka, group, topic);
    await expectTable(target.table, waves[2]!.expected);
    const { rows: audit } = await ctx.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${target.audit}`);
    // Every owner change once: no batch applied twice, not even across the rebalance.
    expect(Number(audit[0]!.n)).toBe(
      reduceOwnership(
        new Map(),
        waves.flatMap((w) => w.records),
      ).ownerChanges.length,
    );

    // Rebuild while the live projector runs and more records arrive.
    const before = await readTable(ctx.pool, target.table);
    const lines: string[] = [];
    const late = histories(mints.slice(0, 10), 1, 5000);
    const rebuilding = rebuildOwnership(ctx, {
      topic,
      liveGroup: group,
      liveTable: target.table,
      scratchTable: `${target.table}_rebuild`,
      alignTimeoutMs: 30_000,
      progress: (l) => lines.push(l),
      progressEveryMs: 100,
    });
    await produceOwnership(producer, ctx.registry, topic, late.records);
    const result = await rebuilding;
    expect(result.differencesFromLive).toBe(0);
    expect(lines.at(-1)).toMatch(/rebuild done: \d+ records, \d+ records\/s overall \| p0 \d+\/\d+/);
    await waitForDbOffsets(ctx.pool, ctx.kafka, group, topic);
    const after = await readTable(ctx.pool, target.table);
    for (const [mint, want] of late.expected) before.set(mint, { ...before.get(mint)!, owner: want.owner, slot: String(want.slot) });
    expect(after.size).toBe(before.size);
    for (const [mint, row] of after) expect(row, mint).toMatchObject({ owner: before.get(mint)!.owner, slot: before.get(mint)!.slot });
    // The swapped-in table kept the live table's index names.
    const { rows: idx } = await ctx.pool.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY 1', [target.table]);
    expect(idx.map((i) => i.indexname).every((n) => n.startsWith(target.table) && !n.includes('rebuild'))).toBe(true);
  });

  it('on assignment it seeks to the offsets in Postgres, whatever Kafka has committed for the group', async () => {
    const topic = await createTopic(ctx.kafka);
    topics.push(topic);
    const target = await createPrivateTarget(ctx.pool, false);
    targets.push(target);
    const group = `projector-test-${randomHex()}`;
    const mints = Array.from({ length: 30 }, randomMint);
    const first = histories(mints, 2);
    await produceOwnership(producer, ctx.registry, topic, first.records);
    let consumer = await start(topic, group, target);
    await waitForDbOffsets(ctx.pool, ctx.kafka, group, topic);
    await consumer.stop();

    // Kafka's committed offsets moved past records the database has not seen.
    const second = histories(mints, 2, 100);
    await produceOwnership(producer, ctx.registry, topic, second.records);
    const admin = ctx.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId: group, topic, partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })) });
    consumer = await start(topic, group, target);
    await waitForDbOffsets(ctx.pool, ctx.kafka, group, topic);
    await consumer.stop();
    await expectTable(target.table, second.expected);

    // And back to zero: nothing is applied twice.
    await admin.setOffsets({ groupId: group, topic, partitions: ends.map((e) => ({ partition: e.partition, offset: '0' })) });
    await admin.disconnect();
    consumer = await start(topic, group, target);
    await sleep(3_000);
    await consumer.stop();
    const { rows: audit } = await ctx.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${target.audit}`);
    expect(Number(audit[0]!.n)).toBe(reduceOwnership(new Map(), [...first.records, ...second.records]).ownerChanges.length);
    await expectTable(target.table, second.expected);

    // Offsets gone from Postgres (a restored or reset database): start from the beginning, not from Kafka's memory.
    await ctx.pool.query('DELETE FROM projector_offsets WHERE group_id = $1', [group]);
    await ctx.pool.query(`TRUNCATE ${target.table}`);
    consumer = await start(topic, group, target);
    await waitForDbOffsets(ctx.pool, ctx.kafka, group, topic);
    await consumer.stop();
    await expectTable(target.table, second.expected);
  });
});
