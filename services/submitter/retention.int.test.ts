// Tables that stop growing, on the real stack: a submitter prunes while mints keep arriving in
// waves. Outbox rows go once the connector confirmed them, published status events and the
// attempts of finalized operations once past their (here zero) retention, handled dead letters
// likewise, and unhandled dead letters stay: each table is bounded by what is in flight, not by
// what ever happened.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomHex } from '../../test/support/random.ts';
import { harness, newWallet, requestMints, startTestSubmitter, submitterEnv, type Requested } from '../../test/support/submitter.ts';
import { waitFor } from '../../test/support/wait.ts';
import { purgeCaptured, sightOutbox } from './retention.ts';
import type { RunningSubmitter } from './submitter.ts';

const h = harness();
let submitter: RunningSubmitter | undefined;
const run = randomHex(6);
const WAVES = 8;
const PER_WAVE = 15;

beforeAll(async () => {
  submitter = await startTestSubmitter(
    h,
    submitterEnv(h, {
      SUBMITTER_RETENTION_MS: '1000',
      SUBMITTER_STATUS_OUTBOX_KEEP_S: '0',
      SUBMITTER_ATTEMPT_KEEP_S: '0',
      SUBMITTER_DEAD_LETTER_KEEP_S: '0',
      SUBMITTER_FINALIZE_MS: '500',
    }),
  );
}, 60_000);
afterAll(async () => {
  await submitter?.close();
  await h.pool.query('DELETE FROM submitter_dead_letters WHERE dedupe_key LIKE $1', [`retention-${run}-%`]);
  await h.close();
}, 60_000);

const count = async (sql: string, params: unknown[]) => (await h.pool.query<{ n: number }>(sql, params)).rows[0]!.n;
const ids = (ops: Requested[]) => ops.map((o) => o.opId);

describe('retention', () => {
  it('keeps the outbox, status outbox and attempts bounded by what is in flight under a sustained workload', async () => {
    const ops: Requested[] = [];
    const outboxSamples: number[] = [];
    for (let wave = 0; wave < WAVES; wave++) {
      ops.push(...(await requestMints(h, Array.from({ length: PER_WAVE }, newWallet))));
      await sleep(2_000);
      outboxSamples.push(await count('SELECT count(*)::int AS n FROM chain_outbox WHERE id = ANY($1::uuid[])', [ids(ops)]));
    }
    // Rows leave about two retention passes after the connector captured them: a few waves at most.
    expect(Math.max(...outboxSamples.slice(2))).toBeLessThanOrEqual(3 * PER_WAVE);
    await waitFor(
      'every mint finalized',
      async () =>
        (await count(`SELECT count(*)::int AS n FROM submitter_ops WHERE op_id = ANY($1::uuid[]) AND state = 'finalized'`, [ids(ops)])) === ops.length,
      {
        timeoutMs: 120_000,
        everyMs: 1_000,
      },
    );
    await waitFor(
      'the run pruned from every table',
      async () => {
        const left = await Promise.all([
          count('SELECT count(*)::int AS n FROM chain_outbox WHERE id = ANY($1::uuid[])', [ids(ops)]),
          count('SELECT count(*)::int AS n FROM submitter_status_outbox WHERE op_id = ANY($1::uuid[])', [ids(ops)]),
          count('SELECT count(*)::int AS n FROM submitter_attempts WHERE op_id = ANY($1::uuid[])', [ids(ops)]),
        ]);
        return left.every((n) => n === 0);
      },
      { timeoutMs: 30_000, everyMs: 500 },
    );
    // What the operations are, the pipeline still knows: only the machinery's rows went.
    expect(await count(`SELECT count(*)::int AS n FROM chain_operations WHERE op_id = ANY($1::uuid[])`, [ids(ops)])).toBe(ops.length);
    const pruned = await (submitter!.metrics.pruned as unknown as { get: () => Promise<{ values: { labels: { table?: string }; value: number }[] }> }).get();
    expect(pruned.values.find((v) => v.labels.table === 'chain_outbox')?.value ?? 0).toBeGreaterThanOrEqual(ops.length);
  });

  it('prunes handled dead letters past their retention and keeps the unhandled ones (the queue)', async () => {
    const insert = (key: string, handled: boolean) =>
      h.pool.query(
        `INSERT INTO submitter_dead_letters (dedupe_key, error_kind, reason, payload, handled_at) VALUES ($1, 'permanent', 'retention test', '{}', $2)`,
        [key, handled ? new Date(Date.now() - 3_600_000) : null],
      );
    await insert(`retention-${run}-handled`, true);
    await insert(`retention-${run}-open`, false);
    const left = (key: string) => count('SELECT count(*)::int AS n FROM submitter_dead_letters WHERE dedupe_key = $1', [key]);
    await waitFor('the handled dead letter pruned', async () => (await left(`retention-${run}-handled`)) === 0, { timeoutMs: 15_000 });
    expect(await left(`retention-${run}-open`)).toBe(1);
  });

  it('does not delete outbox rows the connector has not confirmed, nor any without its slot', async () => {
    // Alone with the outbox: the running submitter would prune the row on its own schedule.
    await submitter?.close();
    submitter = undefined;
    const [op] = await requestMints(h, [newWallet()]);
    const seen = await sightOutbox(h.pool, 1_000_000);
    expect(seen.ids).toContain(op!.opId);
    // A position the slot cannot have confirmed yet, and a slot that does not exist.
    expect(await purgeCaptured(h.pool, 'chainsync_outbox', { lsn: 'FFFFFFFF/FFFFFFFF', ids: [op!.opId] })).toBe(false);
    expect(await purgeCaptured(h.pool, `no_such_slot_${run}`, { lsn: '0/0', ids: [op!.opId] })).toBe(false);
    expect(await count('SELECT count(*)::int AS n FROM chain_outbox WHERE id = $1', [op!.opId])).toBe(1);
    // Once the slot has passed where the row was seen, it goes.
    await waitFor('the row purged once confirmed', async () => (await purgeCaptured(h.pool, 'chainsync_outbox', { lsn: seen.lsn, ids: [op!.opId] })) === 1, {
      timeoutMs: 30_000,
      everyMs: 1_000,
    });
  });
});
