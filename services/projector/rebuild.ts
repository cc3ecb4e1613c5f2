import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { withTransaction } from '../lib/db.ts';
import { type DeadConsumerError, failOnDeadConsumer } from '../lib/dead-consumer.ts';
import { asOwnershipChange } from './decode.ts';
import { createValueDecoder } from '../lib/registry-decoder.ts';
import { InvalidInputError } from '../lib/errors.ts';
import type { ProjectorContext } from './consumers.ts';
import { readOffsets, saveNextOffset } from './offsets-store.ts';
import type { OwnershipChange } from './ownership-reducer.ts';
import { applyOwnershipBatch, LIVE_TARGET } from './ownership-store.ts';
import { countDifferences, createScratch, swapIn } from './rebuild-swap.ts';
import { rebuildProgress } from './rebuild-progress.ts';

export interface RebuildOptions {
  topic: string;
  /** The live projector's group: the rebuild ends exactly at its stored positions, then swaps. */
  liveGroup: string;
  scratchTable: string;
  liveTable?: string;
  alignTimeoutMs: number;
  progress: (line: string) => void;
  progressEveryMs?: number;
}

export interface RebuildResult {
  records: number;
  rows: number;
  seconds: number;
  differencesFromLive: number;
  ticketsFixed: number;
  positions: Record<number, string>;
}

/**
 * Replays the topic from offset zero into a scratch table with the live path's own decision
 * (applyOwnershipBatch → reduceOwnership), then swaps it in atomically. To be a faithful copy it
 * has to end exactly where the live projector is: it reads up to the topic's end, then follows
 * the live group's stored offsets until they match, locks the live table (the live projector's
 * next batch waits), checks once more and renames in the same transaction.
 */
export async function rebuildOwnership(ctx: ProjectorContext, o: RebuildOptions): Promise<RebuildResult> {
  const live = o.liveTable ?? LIVE_TARGET.table;
  const target = { table: o.scratchTable, audit: null, tickets: false };
  const admin = ctx.kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(o.topic).finally(() => admin.disconnect());
  const low = new Map(ends.map((e) => [e.partition, BigInt(e.low)]));
  const goal = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  const position = new Map(low);
  await createScratch(ctx.pool, live, o.scratchTable);

  const consumer = ctx.kafka.consumer({ groupId: `${o.liveGroup}-rebuild-${randomBytes(4).toString('hex')}`, allowAutoTopicCreation: false });
  const paused = new Set<number>();
  const decode = createValueDecoder(ctx.registry);
  const progress = rebuildProgress(o.progress, () => ({ position, goal }));
  const reached = () => [...goal].every(([p, g]) => (position.get(p) ?? 0n) >= g);
  let failure: DeadConsumerError | undefined;
  failOnDeadConsumer(consumer, { name: 'rebuild', logger: ctx.logger, onDead: (err) => (failure = err) });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, isStale }) => {
        if (isStale()) return;
        const p = batch.partition;
        const end = goal.get(p) ?? 0n;
        const wanted = batch.messages.filter((m) => BigInt(m.offset) >= (position.get(p) ?? 0n) && BigInt(m.offset) < end);
        const changes: OwnershipChange[] = [];
        for (const m of wanted) {
          const context = { topic: o.topic, partition: p, offset: m.offset };
          try {
            changes.push(asOwnershipChange(await decode(m.value, context), context));
          } catch (err) {
            if (!(err instanceof InvalidInputError)) throw err;
          }
        }
        if (changes.length) await withTransaction(ctx.pool, (client) => applyOwnershipBatch(client, target, changes));
        const last = wanted.at(-1);
        if (last) {
          position.set(p, BigInt(last.offset) + 1n);
          resolveOffset(last.offset);
        }
        progress.count(wanted.length);
        if (BigInt(batch.lastOffset()) + 1n >= end) {
          // Past the goal (or at the end): hold here until the goal moves.
          position.set(p, end > (position.get(p) ?? 0n) ? end : position.get(p)!);
          consumer.pause([{ topic: o.topic, partitions: [p] }]);
          paused.add(p);
          consumer.seek({ topic: o.topic, partition: p, offset: end.toString() });
        }
      },
    });

    const started = performance.now();
    const waitUntil = async (done: () => boolean, timeoutMs: number, what: string) => {
      const deadline = Date.now() + timeoutMs;
      while (!done()) {
        if (failure) throw failure;
        if (Date.now() > deadline) throw new Error(`rebuild: timed out waiting for ${what}`);
        await sleep(100);
        progress.tick();
      }
    };
    // Empty partitions never produce a batch.
    await waitUntil(reached, 24 * 3_600_000, 'the topic end');

    for (let round = 1; ; round++) {
      const liveAt = await readOffsets(ctx.pool, o.liveGroup, o.topic);
      const ahead = [...position].filter(([p, at]) => liveAt.size > 0 && (liveAt.get(p) ?? low.get(p)!) < at);
      if (ahead.length) {
        // The live projector is behind the rebuild: let it catch up rather than swap in rows it has not seen.
        if (round * 200 > o.alignTimeoutMs) throw new Error(`rebuild: the live projector stayed behind on partitions ${ahead.map(([p]) => p).join(', ')}`);
        await sleep(200);
        continue;
      }
      const behind = [...liveAt].filter(([p, at]) => at > (position.get(p) ?? 0n));
      if (behind.length) {
        for (const [p, at] of behind) goal.set(p, at);
        for (const [p] of behind) if (paused.delete(p)) consumer.resume([{ topic: o.topic, partitions: [p] }]);
        await waitUntil(reached, o.alignTimeoutMs, 'the live projector position');
        continue;
      }
      const swapped = await withTransaction(ctx.pool, async (client) => {
        await client.query(`LOCK TABLE ${live} IN ACCESS EXCLUSIVE MODE`);
        const again = await readOffsets(client, o.liveGroup, o.topic);
        if ([...again].some(([p, at]) => at !== (position.get(p) ?? low.get(p)))) return undefined; // moved: align again
        const differencesFromLive = await countDifferences(client, live, o.scratchTable);
        // With no live projector yet, the rebuilt table's positions become its starting point.
        if (again.size === 0) for (const [p, at] of position) await saveNextOffset(client, o.liveGroup, o.topic, p, at, false);
        const { ticketsFixed } = await swapIn(client, live, o.scratchTable);
        return { differencesFromLive, ticketsFixed };
      });
      if (!swapped) continue;
      const rows = Number((await ctx.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${live}`)).rows[0]?.n ?? 0);
      progress.done();
      return {
        records: progress.total(),
        rows,
        seconds: (performance.now() - started) / 1000,
        ...swapped,
        positions: Object.fromEntries([...position].map(([p, at]) => [p, at.toString()])),
      };
    }
  } catch (err) {
    await ctx.pool.query(`DROP TABLE IF EXISTS ${o.scratchTable}`).catch(() => undefined);
    throw err;
  } finally {
    await consumer.disconnect();
  }
}
