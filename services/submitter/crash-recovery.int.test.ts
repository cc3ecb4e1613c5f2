// Acceptance: SIGKILL right after broadcasting, then a restart: nothing executes twice and all
// confirm. And a dropped transaction: the submitter waits for blockhash expiry, re-signs once,
// confirms; the status stream shows submitted, expired, submitted, confirmed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusEvent } from './events.ts';
import type { RunningSubmitter } from './submitter.ts';
import {
  advanceSlots,
  groupAtEnd,
  harness,
  holdersOf,
  injectFaults,
  newWallet,
  requestMints,
  startTestSubmitter,
  submitterEnv,
  tailStatus,
  type Tail,
} from '../../test/support/submitter.ts';
import { TOPICS } from '../lib/topics.ts';
import { spawnService, type ServiceProcess } from '../../test/support/spawn-service.ts';
import { waitFor } from '../../test/support/wait.ts';

const h = harness();
let status: Tail<StatusEvent>;
const children: ServiceProcess[] = [];

beforeAll(async () => {
  status = await tailStatus(h);
});
afterAll(async () => {
  await Promise.all(children.map((c) => c.stop('SIGKILL')));
  await status?.stop();
  await h.close();
});

describe('submitter: crashes and dropped transactions', () => {
  it('killed with SIGKILL right after broadcasting, then restarted: every op confirms once', async () => {
    const env = submitterEnv(h);
    await groupAtEnd(h.kafka, env.SUBMITTER_GROUP_ID!, TOPICS.opsRequested);
    const first = await spawnService('submitter', env);
    children.push(first);
    const ops = await requestMints(h, Array.from({ length: 30 }, newWallet));
    const ids = ops.map((o) => o.opId);
    // The moment the first of them is on the wire.
    await waitFor(
      'a broadcast',
      async () =>
        ((await h.pool.query('SELECT 1 FROM submitter_attempts WHERE op_id = ANY($1::uuid[]) AND sent_at IS NOT NULL LIMIT 1', [ids])).rowCount ?? 0) > 0,
      { everyMs: 25 },
    );
    await first.stop('SIGKILL');
    const inFlight = (
      await h.pool.query(`SELECT count(*)::int AS n FROM submitter_ops WHERE op_id = ANY($1::uuid[]) AND state IN ('pending', 'submitted')`, [ids])
    ).rows[0].n as number;

    // Not waited on: the ops it must finish are already in flight.
    const second = await spawnService('submitter', env, { until: 'spawned' });
    children.push(second);
    try {
      await status.until((evs) => new Set(evs.filter((e) => ids.includes(e.opId) && e.state === 'confirmed').map((e) => e.opId)).size === ids.length, 120_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nfirst:\n${first.logs().slice(-3000)}\nsecond:\n${second.logs().slice(-3000)}`, { cause: err });
    }
    expect(await second.stop('SIGTERM')).toBe(0);

    expect(inFlight).toBeGreaterThan(0);
    // One landed transaction per op (the re-signing path never ran: no blockhash expired).
    const attempts = await h.pool.query<{ op_id: string; n: number; confirmed: number }>(
      `SELECT op_id, count(*)::int AS n, count(*) FILTER (WHERE outcome = 'confirmed')::int AS confirmed FROM submitter_attempts WHERE op_id = ANY($1::uuid[]) GROUP BY op_id`,
      [ids],
    );
    expect(attempts.rows).toHaveLength(ids.length);
    for (const r of attempts.rows) expect([r.n, r.confirmed]).toEqual([1, 1]);
    for (const op of ops.slice(0, 10)) expect(await holdersOf(h, op.mint)).toEqual({ supply: '1', owners: [op.to] });
  });

  it('a dropped transaction: waits for expiry, re-signs once, confirms (submitted, expired, submitted, confirmed)', async () => {
    // No rebroadcast within the test: it would resend the dropped bytes and mask the drop.
    let submitter: RunningSubmitter | undefined;
    let drop: { account: string; count: number } | undefined;
    try {
      submitter = await startTestSubmitter(h, submitterEnv(h, { SUBMITTER_REBROADCAST_MS: '60000' }));
      // Scoped to the recipient, so nobody else's transaction on the shared chain is lost.
      const to = newWallet();
      drop = { account: to, count: 0 };
      await injectFaults(h, { dropTransactions: { account: to, count: 1 } });
      const [op] = await requestMints(h, [to]);
      await waitFor(
        'the first broadcast',
        async () => ((await h.pool.query('SELECT 1 FROM submitter_attempts WHERE op_id = $1 AND sent_at IS NOT NULL', [op!.opId])).rowCount ?? 0) > 0,
        { everyMs: 25 },
      );
      // Expire the blockhash quickly: 151 blocks instead of ~60 s of slots.
      await advanceSlots(h, 151);
      await status.until((evs) => evs.some((e) => e.opId === op!.opId && e.state === 'confirmed'), 60_000);
      const evs = status.events.filter((e) => e.opId === op!.opId && e.state !== 'finalized');
      expect(evs.map((e) => `${e.state}#${e.attempt}`)).toEqual(['submitted#1', 'expired#1', 'submitted#2', 'confirmed#2']);
      expect(evs[2]!.signature).not.toBe(evs[0]!.signature);
      expect(evs[3]!.signature).toBe(evs[2]!.signature);
      expect(evs[1]!.error).toMatch(/blockhash expired/);
      expect(await holdersOf(h, op!.mint)).toEqual({ supply: '1', owners: [op!.to] });
    } finally {
      if (drop) await injectFaults(h, { dropTransactions: drop }).catch(() => undefined);
      await submitter?.close();
    }
  });
});
