// `npm run bench -- projector [records] [concurrency] [repeats]` (default 100000, PROJECTOR_CONCURRENCY's default, 3): one run on the
// running stack, the same records and the same final rows three ways:
//   projector — the real ownership consumer: eachBatch, one transaction per batch, offsets in Postgres;
//   naive     — eachMessage and one autocommitted upsert (same slot guard) per record, Kafka autocommit;
//   COPY      — the projector's final rows COPYed (binary format) into an identical empty table (the floor for loading them).
// One record per mint, so records = final rows and the three figures are rows/s of the same rows.
// Timers start once each consumer has joined its group (both joins cost the same) and stop when
// its last row is durable. Goals (issue 5): projector ≥ 30x naive, ≥ 40% of COPY.
// The projector and COPY take 1–3 s each, where a checkpoint or an autovacuum round of the shared
// stack moves one figure by half (one projector run of three took 3.05 s against 1.87 s): each
// runs `repeats` times into a fresh table, every figure is printed, and the goals compare medians.
// Naive takes a minute and varies by a few percent: it runs once.
import { setTimeout as sleep } from 'node:timers/promises';
import { stackEnv } from '../test/support/stack-env.ts';
import { copyFrom } from '../services/lib/copy.ts';
import { projectorSpec } from '../services/projector/config.ts';
import { startOwnershipConsumer } from '../services/projector/consumers.ts';
import { asOwnershipChange } from '../services/projector/decode.ts';
import { createValueDecoder } from '../services/lib/registry-decoder.ts';
import {
  createPrivateTarget,
  createTopic,
  deleteTopic,
  ownershipChange,
  produceOwnership,
  projectorTestContext,
  randomMint,
  waitForDbOffsets,
} from '../test/support/projector.ts';
import { toRow } from '../services/projector/ownership-reducer.ts';
import { ownershipCopy, upsertOwnership } from '../services/projector/ownership-store.ts';
import { randomHex } from '../test/support/random.ts';

const records = Number(process.argv[2] ?? 100_000);
// The running projector's default unless given.
const concurrency = Number(process.argv[3] ?? projectorSpec.PROJECTOR_CONCURRENCY.default);
const repeats = Number(process.argv[4] ?? 3);
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`repeats must be a positive integer, got ${process.argv[4]}`);
const ctx = projectorTestContext(stackEnv());
const say = (line: string) => process.stdout.write(`${line}\n`);

const topic = await createTopic(ctx.kafka);
const live = await createPrivateTarget(ctx.pool, true);
const naiveTable = await createPrivateTarget(ctx.pool, false);
const core = await createPrivateTarget(ctx.pool, false);
// The first of each is kept to compare rows; the repeats write into their own.
const targets: Array<Awaited<ReturnType<typeof createPrivateTarget>>> = [live, naiveTable, core];
const fresh = async (tickets: boolean) => {
  const t = await createPrivateTarget(ctx.pool, tickets);
  targets.push(t);
  return t;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const seconds = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');
const producer = ctx.kafka.producer();
try {
  await producer.connect();
  say(`producing ${records} OwnershipChange records (one per mint) to ${topic} …`);
  const values = Array.from({ length: records }, (_, i) => ownershipChange(randomMint(), 1_000 + (i % 5_000), `wallet-${randomHex(16)}`));
  await produceOwnership(producer, ctx.registry, topic, values);

  // 1. The projector with the ownership table alone (what COPY writes), to show where the time
  // goes, and as it runs live (ownership + audit trail + tickets).
  const runProjector = async (label: string, target: typeof live) => {
    const group = `bench-projector-${randomHex()}`;
    ctx.metrics.batchSize.reset();
    ctx.metrics.batchSeconds.reset();
    const projector = await startOwnershipConsumer(ctx, { topic, groupId: group, target, concurrency });
    const start = performance.now();
    // Polled every 10 ms: the run takes about 2 s, so a coarser poll would be a visible share of it.
    await waitForDbOffsets(ctx.pool, ctx.kafka, group, topic, 600_000, 10);
    const seconds = (performance.now() - start) / 1000;
    await projector.stop();
    const count = (await ctx.metrics.batchSize.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
    const inside = (await ctx.metrics.batchSeconds.get()).values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
    say(
      `${label}: ${records} rows in ${seconds.toFixed(2)} s → ${Math.round(records / seconds)} rows/s (${count} batches, ${inside.toFixed(2)} s inside batch transactions over ${concurrency} concurrent partitions)`,
    );
    return seconds;
  };
  // The breakdown runs first: the first consumer of the process also pays for compiling its hot
  // code and opening connections, which a running projector has done long ago, and which naive
  // and COPY (measured later in this process) do not pay either.
  const coreS = await runProjector('projector, ownership table only (no audit, no tickets)', { ...core, audit: null, tickets: false });
  const projectorRuns = [await runProjector('projector', live)];
  for (let i = 1; i < repeats; i++) projectorRuns.push(await runProjector('projector', await fresh(true)));
  const projectorS = median(projectorRuns);

  // 2. The naive consumer.
  const naive = ctx.kafka.consumer({ groupId: `bench-naive-${randomHex()}` });
  await naive.connect();
  await naive.subscribe({ topic, fromBeginning: true });
  const decode = createValueDecoder(ctx.registry);
  let done = 0;
  await naive.run({
    eachMessage: async ({ message, partition }) => {
      const context = { topic, partition, offset: message.offset };
      const change = asOwnershipChange(await decode(message.value, context), context);
      await upsertOwnership(ctx.pool, naiveTable.table, [toRow(change)]);
      done++;
    },
  });
  let t0 = performance.now();
  let lastReport = t0;
  while (done < records) {
    await sleep(50);
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      say(`  naive: ${done}/${records} …`);
    }
  }
  const naiveS = (performance.now() - t0) / 1000;
  await naive.disconnect();
  say(`naive:     ${records} rows in ${naiveS.toFixed(2)} s → ${Math.round(records / naiveS)} rows/s`);

  // 3. COPY of the projector's final rows, in the binary format the projector itself writes
  // (encoded before the timer starts: only loading them is measured).
  const { rows } = await ctx.pool.query<{
    mint: string;
    owner: string | null;
    token_account: string | null;
    amount: string;
    slot: string;
    commitment: 'confirmed' | 'finalized';
    updated_ms: string;
  }>(`SELECT mint, owner, token_account, amount, slot, commitment, (extract(epoch FROM updated_at) * 1000)::bigint AS updated_ms FROM ${live.table}`);
  const finalRows = rows.map((r) => ({
    mint: r.mint,
    owner: r.owner,
    tokenAccount: r.token_account,
    amount: Number(r.amount),
    slot: Number(r.slot),
    commitment: r.commitment,
    updatedAt: Number(r.updated_ms),
  }));
  const copyTable = await fresh(false);
  const copyRuns: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const into = i === 0 ? copyTable : await fresh(false);
    const { sql, data } = ownershipCopy(into.table, finalRows);
    const client = await ctx.pool.connect();
    t0 = performance.now();
    try {
      await copyFrom(client, sql, data);
    } finally {
      client.release();
    }
    const copyRunS = (performance.now() - t0) / 1000;
    copyRuns.push(copyRunS);
    say(`COPY:      ${rows.length} rows in ${copyRunS.toFixed(2)} s → ${Math.round(rows.length / copyRunS)} rows/s`);
  }
  const copyS = median(copyRuns);

  // Same rows everywhere?
  const diff = async (a: string, b: string) =>
    Number(
      (
        await ctx.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM ${a} x FULL JOIN ${b} y USING (mint) WHERE x.mint IS NULL OR y.mint IS NULL OR (x.*) IS DISTINCT FROM (y.*)`,
        )
      ).rows[0]!.n,
    );
  say(
    `same rows: projector vs naive ${await diff(live.table, naiveTable.table)} differences, vs COPY ${await diff(live.table, copyTable.table)} differences (of ${rows.length})`,
  );
  if (repeats > 1)
    say(`medians of ${repeats}: projector ${projectorS.toFixed(2)} s (${seconds(projectorRuns)}), COPY ${copyS.toFixed(2)} s (${seconds(copyRuns)})`);
  say(`projector = ${(naiveS / projectorS).toFixed(1)}x naive (goal ≥ 30x), ${((copyS / projectorS) * 100).toFixed(0)}% of COPY (goal ≥ 40%)`);
  say(`ownership table only = ${(naiveS / coreS).toFixed(1)}x naive, ${((copyS / coreS) * 100).toFixed(0)}% of COPY`);
} finally {
  await producer.disconnect();
  await ctx.pool.query('DELETE FROM projector_offsets WHERE topic = $1', [topic]);
  for (const t of targets) await t.drop();
  await deleteTopic(ctx.kafka, topic);
  await ctx.close();
}
