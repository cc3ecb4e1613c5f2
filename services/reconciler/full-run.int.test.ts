import { Keypair } from '@solana/web3.js';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/logger.ts';
import { RpcPool } from '../lib/solana/rpc-pool.ts';

import { stackEnv } from '../../test/support/stack-env.ts';
import { seedChain, seedTickets } from '../../test/support/reconciler.ts';
import { fullReconciliation, type FullRunDeps } from './full-run.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { deleteOldRuns } from './runs.ts';
import { rpcHolderSnapshotReader } from './snapshot.ts';
import type { DiscrepancyEvent } from './store.ts';
import { randomHex } from '../../test/support/random.ts';

const env = stackEnv();
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
afterAll(() => pool.end());
const key = () => Keypair.generate().publicKey.toBase58();

function deps(scope: string[], published: DiscrepancyEvent[], over: Partial<FullRunDeps> = {}): FullRunDeps {
  return {
    pool,
    reader: rpcHolderSnapshotReader(new RpcPool({ urls: [env.SOLANA_RPC_URL] })),
    publish: async (events) => void published.push(...events),
    logger: silentLogger(),
    thresholds: { graceMs: 30_000, stuckMs: 300_000, pendingMs: 3_600_000 },
    policy: DEFAULT_POLICY,
    chunkKeys: 100,
    concurrency: 2,
    timeoutMs: 60_000,
    scope,
    ...over,
  };
}

const active = async (mints: string[]) =>
  (
    await pool.query<{ mint: string; kind: string; state: string }>(
      `SELECT mint, kind, state FROM discrepancies WHERE mint = ANY($1) AND state IN ('open', 'needs_review') ORDER BY kind`,
      [mints],
    )
  ).rows;

describe('full reconciliation against seeded chain and database', () => {
  it('finds each injected fault with its kind, heals the owners from the chain, and records the run', async () => {
    const ev = `ev-${randomHex()}`;
    const t = (n: number) => `${ev}-${n}`;
    const [m1, m2, m3, m4, m5, m6, m7] = Array.from({ length: 7 }, key) as [string, string, string, string, string, string, string];
    const [a, b, c, x, y] = Array.from({ length: 5 }, key) as [string, string, string, string, string];
    const scope = [m1, m2, m3, m4, m5, m6, m7];
    // On chain: m1..m2, m4..m6 as the database says; m7 held by y while the database says x; m3 absent.
    await seedChain(env.SOLANA_RPC_URL, [
      { mint: m1, owner: a },
      { mint: m2, owner: b },
      { mint: m4, owner: c },
      { mint: m5, owner: a },
      { mint: m6, owner: a },
      { mint: m7, owner: y },
    ]);
    await seedTickets(pool, [
      { ticketId: t(1), eventId: ev, mint: m1, owner: a },
      { ticketId: t(2), eventId: ev, mint: m2, owner: b },
      { ticketId: t(3), eventId: ev, mint: m3, owner: a },
      { ticketId: t(4), eventId: ev, mint: m4, owner: c },
      { ticketId: t(5), eventId: ev, mint: m5, owner: a },
      { ticketId: t(6), eventId: ev, mint: m6, owner: a },
      { ticketId: t(7), eventId: ev, mint: m7, owner: x },
    ]);
    const op = (ticket: string, mint: string, state: string, age: string) =>
      pool.query(
        `INSERT INTO chain_operations (op_id, idempotency_key, request_hash, type, ticket_id, mint, from_wallet, to_wallet, state, updated_at, requested_at)
         VALUES (gen_random_uuid(), $1, 'h', 'transfer', $2, $3, $4, $5, $6, now() - $7::interval, now() - $7::interval)`,
        [`k-${ticket}`, ticket, mint, a, b, state, age],
      );
    await op(t(5), m5, 'submitted', '1 hour'); // stuck
    await op(t(6), m6, 'submitted', '5 seconds'); // in flight: the owner may move, nothing to report
    await pool.query(`UPDATE tickets SET owner_wallet = $2 WHERE id = $1`, [t(6), b]);

    // Run 1: the first pass also remembers where each NFT is, so a later lost ticket is still checked.
    const published: DiscrepancyEvent[] = [];
    const r1 = await fullReconciliation(deps(scope, published), 'test');
    expect(r1.status).toBe('succeeded');
    expect(r1.checked).toBe(7);
    expect(r1.mismatches).toEqual({ owner_mismatch: 1, missing_on_chain: 1, stuck_operation: 1 });
    expect(r1.healed).toBe(1);
    expect((await pool.query(`SELECT owner_wallet FROM tickets WHERE id = $1`, [t(7)])).rows[0].owner_wallet).toBe(y);
    expect((await pool.query(`SELECT old_owner, new_owner FROM reconciler_owner_audit WHERE mint = $1`, [m7])).rows).toEqual([{ old_owner: x, new_owner: y }]);
    expect(await active(scope)).toEqual([
      { mint: m3, kind: 'missing_on_chain', state: 'needs_review' },
      { mint: m5, kind: 'stuck_operation', state: 'open' },
    ]);
    expect(published.map((e) => `${e.kind}:${e.state}`).sort()).toEqual([
      'missing_on_chain:needs_review',
      'owner_mismatch:healed',
      'owner_mismatch:open',
      'stuck_operation:open',
    ]);

    // Faults injected after: an owner changed by hand, a ticket row deleted; the stuck op settles.
    await pool.query(`UPDATE tickets SET owner_wallet = $2 WHERE id = $1`, [t(2), x]);
    await pool.query(`DELETE FROM tickets WHERE id = $1`, [t(4)]);
    await pool.query(`UPDATE chain_operations SET state = 'failed', updated_at = now() WHERE ticket_id = $1`, [t(5)]);
    const r2 = await fullReconciliation(deps(scope, published), 'test');
    expect(r2.mismatches).toEqual({ owner_mismatch: 1, missing_on_chain: 1, missing_in_db: 1, stuck_operation: 1 });
    expect((await pool.query(`SELECT owner_wallet FROM tickets WHERE id = $1`, [t(2)])).rows[0].owner_wallet).toBe(b);
    // The failed transfer went to review (a transfer is never retried blindly); nothing is left open.
    expect(await active(scope)).toEqual([
      { mint: m4, kind: 'missing_in_db', state: 'needs_review' },
      { mint: m3, kind: 'missing_on_chain', state: 'needs_review' },
      { mint: m5, kind: 'stuck_operation', state: 'needs_review' },
    ]);
    const run = (await pool.query(`SELECT status, checked, healed, errors, mismatches FROM reconcile_runs WHERE id = $1`, [r2.runId])).rows[0];
    expect(run).toMatchObject({ status: 'succeeded', checked: 7, healed: 1, errors: 0 });
    const history = (
      await pool.query(`SELECT h.state FROM discrepancy_history h JOIN discrepancies d ON d.id = h.discrepancy_id WHERE d.mint = $1 ORDER BY h.id`, [m5])
    ).rows;
    expect(history.map((h) => h.state)).toEqual(['open', 'needs_review']);
  });

  it('a run that hits its timeout records partial results', async () => {
    const m = key();
    const owner = key();
    await seedChain(env.SOLANA_RPC_URL, [{ mint: m, owner }]);
    await seedTickets(pool, [{ ticketId: `t-${randomHex()}`, eventId: 'ev-timeout', mint: m, owner }]);
    const r = await fullReconciliation(deps([m], [], { timeoutMs: 0 }), 'test');
    expect(r).toMatchObject({ status: 'partial', checked: 0, skipped: 1 });
    const run = (await pool.query(`SELECT status, error FROM reconcile_runs WHERE id = $1`, [r.runId])).rows[0];
    expect(run.status).toBe('partial');
    expect(run.error).toMatch(/timed out/);
  });

  it('gives a lagging projection its grace period, and reports a stopped projector once it has passed', async () => {
    const [m, before, after] = [key(), key(), key()];
    await seedChain(env.SOLANA_RPC_URL, [{ mint: m, owner: after }]);
    await seedTickets(pool, [{ ticketId: `t-${randomHex()}`, eventId: 'ev-lag', mint: m, owner: before }]);
    // The projection still shows the previous owner: the chain moved and the projector has not caught up.
    await pool.query(
      `INSERT INTO ownership (mint, owner, token_account, amount, slot, commitment, updated_at) VALUES ($1, $2, NULL, 1, 1, 'confirmed', now())`,
      [m, before],
    );
    try {
      const first = await fullReconciliation(deps([m], []), 'test');
      expect(first.mismatches).toEqual({});
      // The same owner seen by an earlier run, longer ago than the grace period: the projector is stuck.
      await pool.query(`UPDATE reconciler_mints SET seen_at = now() - interval '1 minute' WHERE mint = $1`, [m]);
      const second = await fullReconciliation(deps([m], []), 'test');
      expect(second.mismatches).toEqual({ owner_mismatch: 1 });
      expect(second.healed).toBe(1);
    } finally {
      await pool.query(`DELETE FROM ownership WHERE mint = $1`, [m]);
    }
  });

  it('keeps run records for at least 90 days and deletes older ones', async () => {
    const ids = (
      await pool.query<{ id: string; age: number }>(
        `INSERT INTO reconcile_runs (trigger, status, started_at, finished_at)
       SELECT 'test', 'succeeded', now() - make_interval(days => d), now() - make_interval(days => d) FROM unnest(ARRAY[89, 91]) AS d
       RETURNING id, extract(day FROM now() - started_at)::int AS age`,
      )
    ).rows;
    await expect(deleteOldRuns(pool, 30)).rejects.toThrow(RangeError);
    await deleteOldRuns(pool, 90);
    const left = (await pool.query<{ id: string }>('SELECT id FROM reconcile_runs WHERE id = ANY($1)', [ids.map((r) => r.id)])).rows.map((r) => r.id);
    expect(left).toEqual(ids.filter((r) => r.age < 90).map((r) => r.id));
  });
});
