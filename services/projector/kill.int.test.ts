import { setTimeout as sleep } from 'node:timers/promises';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv } from '../../test/support/stack-env.ts';
import {
  createPrivateTarget,
  createTopic,
  deleteTopic,
  ownershipChange,
  produceOwnership,
  projectorTestContext,
  randomMint,
  waitForDbOffsets,
  type Sent,
  ownershipProjectorEnv,
} from '../../test/support/projector.ts';
import { reduceOwnership, type OwnershipChange } from './ownership-reducer.ts';
import { randomHex } from '../../test/support/random.ts';
import { spawnService, type ServiceProcess } from '../../test/support/spawn-service.ts';

// The projector as a process, SIGKILLed while it applies batches. An observer checks, in every
// snapshot of the database, that the stored offsets and the rows agree exactly (no offset without
// its rows, no rows without their offset) and that no mint's slot ever went down.
const env = stackEnv();
const ctx = projectorTestContext(env);
let producer: Producer;
let topic: string;
let target: Awaited<ReturnType<typeof createPrivateTarget>>;
const group = `projector-kill-${randomHex()}`;
let child: ServiceProcess | undefined;
let observing = true;

beforeAll(async () => {
  producer = ctx.kafka.producer();
  await producer.connect();
  topic = await createTopic(ctx.kafka);
  target = await createPrivateTarget(ctx.pool, false);
});

afterAll(async () => {
  observing = false;
  await child?.stop('SIGKILL');
  await producer.disconnect();
  await deleteTopic(ctx.kafka, topic);
  await ctx.pool.query('DELETE FROM projector_offsets WHERE group_id = $1', [group]);
  await target.drop();
  await ctx.close();
});

// Live, not ready: killed while it may still be taking its partitions, as well as mid-batch.
const startProjector = () => spawnService('projector', ownershipProjectorEnv(env, { topic, group, target }), { until: 'live' }).then((p) => (child = p));

describe('projector process killed mid-batch', () => {
  it('never stores an offset without its rows, never moves a row backwards, and ends equal to the topic', { timeout: 300_000 }, async () => {
    const sent: Array<Sent<OwnershipChange>> = [];
    const mints = Array.from({ length: 300 }, randomMint);
    let producing = true;
    const producerLoop = (async () => {
      for (let wave = 0; wave < 12; wave++) {
        // Older slots after newer ones within a wave: the guard has work to do.
        const records = mints.flatMap((m) => [3, 1, 2].map((k) => ownershipChange(m, wave * 10 + k, `w-${wave}-${k}-${m.slice(0, 4)}`)));
        sent.push(...(await produceOwnership(producer, ctx.registry, topic, records)));
        await sleep(150 + Math.random() * 300);
      }
      producing = false;
    })();

    const violations: string[] = [];
    let snapshots = 0;
    const lastSlot = new Map<string, number>();
    const observer = (async () => {
      while (observing) {
        await sleep(20);
        const client = await ctx.pool.connect();
        try {
          await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
          const { rows: offs } = await client.query<{ partition: number; next_offset: string }>(
            'SELECT partition, next_offset FROM projector_offsets WHERE group_id = $1',
            [group],
          );
          const { rows } = await client.query<{ mint: string; owner: string; slot: string }>(`SELECT mint, owner, slot FROM ${target.table}`);
          await client.query('COMMIT');
          const next = new Map(offs.map((o) => [o.partition, BigInt(o.next_offset)]));
          // A wave is in Kafka (and maybe applied) a moment before the producer loop has recorded
          // its offsets here: judge only snapshots whose offsets cover records this test knows.
          const known = new Map<number, bigint>();
          for (const s of sent) if (s.offset + 1n > (known.get(s.partition) ?? 0n)) known.set(s.partition, s.offset + 1n);
          if ([...next].some(([p, n]) => n > (known.get(p) ?? 0n))) continue;
          const covered = sent.filter((s) => s.offset < (next.get(s.partition) ?? 0n)).sort((a, b) => (a.offset < b.offset ? -1 : 1));
          const want = reduceOwnership(
            new Map(),
            covered.map((s) => s.value),
          ).rows;
          if (rows.length !== want.size) violations.push(`snapshot ${snapshots}: ${rows.length} rows for offsets covering ${want.size} mints`);
          for (const r of rows) {
            const w = want.get(r.mint);
            if (!w || w.owner !== r.owner || w.slot !== Number(r.slot))
              violations.push(`snapshot ${snapshots}: ${r.mint} is ${r.owner}@${r.slot}, offsets say ${w?.owner}@${w?.slot}`);
            if ((lastSlot.get(r.mint) ?? -1) > Number(r.slot)) violations.push(`snapshot ${snapshots}: ${r.mint} went back to slot ${r.slot}`);
            lastSlot.set(r.mint, Number(r.slot));
          }
          snapshots++;
        } finally {
          client.release();
        }
      }
    })();

    let kills = 0;
    while (producing || kills < 3) {
      const proc = await startProjector();
      await sleep(400 + Math.random() * 1200);
      await proc.stop('SIGKILL');
      kills++;
    }
    await producerLoop;
    const last = await startProjector();
    await waitForDbOffsets(ctx.pool, ctx.kafka, group, topic, 90_000);
    await sleep(200);
    observing = false;
    await observer;
    expect(await last.stop('SIGTERM')).toBe(0); // a graceful stop says so

    expect(violations.slice(0, 5)).toEqual([]);
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(snapshots).toBeGreaterThan(20);
    const { rows } = await ctx.pool.query<{ mint: string; owner: string; slot: string }>(`SELECT mint, owner, slot FROM ${target.table}`);
    expect(rows).toHaveLength(mints.length);
    for (const r of rows) expect(r).toMatchObject({ owner: `w-11-3-${r.mint.slice(0, 4)}`, slot: '113' });
  });
});
