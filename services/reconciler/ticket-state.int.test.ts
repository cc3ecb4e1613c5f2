// Issue 14, finding 1, the reconciler's side: a ticket left mint_requested while its mint exists or
// was burned on chain went unreported (owners were compared, null = null). A full run now compares
// the ticket's state with the chain, heals it from the chain with an audit row, and still reports a
// minted ticket whose mint does not exist.
import { Connection, Keypair } from '@solana/web3.js';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/logger.ts';
import { RpcPool } from '../lib/solana/rpc-pool.ts';
import { burnNft, createNft, fundedKeypair } from '../../test/support/chain.ts';
import { randomHex } from '../../test/support/random.ts';
import { seedChain } from '../../test/support/reconciler.ts';
import { stackEnv } from '../../test/support/stack-env.ts';
import { fullReconciliation } from './full-run.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { rpcHolderSnapshotReader } from './snapshot.ts';
import type { DiscrepancyEvent } from './store.ts';

const env = stackEnv();
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
const conn = new Connection(env.SOLANA_RPC_URL, { commitment: 'confirmed' });
afterAll(() => pool.end());
const key = () => Keypair.generate().publicKey.toBase58();

const reconcile = (scope: string[], published: DiscrepancyEvent[]) =>
  fullReconciliation(
    {
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
    },
    'test',
  );

describe('full reconciliation of ticket states', () => {
  it('heals a ticket left mint_requested whose mint exists or was burned on chain, with an audit row; a minted ticket whose mint does not exist is missing_on_chain', async () => {
    const payer = await fundedKeypair(conn, 5);
    const holder = await fundedKeypair(conn, 1);
    const burnedMint = await createNft(conn, payer, holder.publicKey);
    await burnNft(conn, payer, burnedMint, holder);
    const burned = burnedMint.toBase58();
    const [held, absent, owner] = [key(), key(), key()];
    await seedChain(env.SOLANA_RPC_URL, [{ mint: held, owner }]);

    const ev = `ev-${randomHex()}`;
    const t = { held: `${ev}-held`, burned: `${ev}-burned`, absent: `${ev}-absent` };
    await pool.query(
      `INSERT INTO tickets (id, event_id, mint_address, owner_wallet, status)
       VALUES ($1, $4, $5, NULL, 'mint_requested'), ($2, $4, $6, NULL, 'mint_requested'), ($3, $4, $7, $8, 'minted')`,
      [t.held, t.burned, t.absent, ev, held, burned, absent, owner],
    );
    // The mints confirmed long ago (past the grace period); the projector never heard of them.
    for (const [ticket, mint, to] of [
      [t.held, held, owner],
      [t.burned, burned, holder.publicKey.toBase58()],
    ] as const)
      await pool.query(
        `INSERT INTO chain_operations (op_id, idempotency_key, request_hash, type, ticket_id, mint, to_wallet, state, updated_at, requested_at)
         VALUES (gen_random_uuid(), $1, 'h', 'mint', $2, $3, $4, 'confirmed', now() - interval '1 hour', now() - interval '1 hour')`,
        [`k-${ticket}`, ticket, mint, to],
      );

    const scope = [held, burned, absent];
    const published: DiscrepancyEvent[] = [];
    const run = await reconcile(scope, published);
    expect(run.mismatches).toEqual({ ticket_state_mismatch: 2, missing_on_chain: 1 });
    expect(run.healed).toBe(2);
    const tickets = (await pool.query(`SELECT id, status, owner_wallet FROM tickets WHERE event_id = $1 ORDER BY id`, [ev])).rows;
    expect(tickets).toEqual([
      { id: t.absent, status: 'minted', owner_wallet: owner },
      { id: t.burned, status: 'burned', owner_wallet: null },
      { id: t.held, status: 'minted', owner_wallet: owner },
    ]);
    const audit = (
      await pool.query(`SELECT mint, old_owner, new_owner, old_status, new_status FROM reconciler_owner_audit WHERE mint = ANY($1) ORDER BY new_status`, [
        scope,
      ])
    ).rows;
    expect(audit).toEqual([
      { mint: burned, old_owner: null, new_owner: null, old_status: 'mint_requested', new_status: 'burned' },
      { mint: held, old_owner: null, new_owner: owner, old_status: 'mint_requested', new_status: 'minted' },
    ]);
    const states = (await pool.query(`SELECT mint, kind, state FROM discrepancies WHERE mint = ANY($1) ORDER BY kind, mint`, [scope])).rows.map(
      (r) => `${r.kind}:${r.state}:${r.mint === held ? 'held' : r.mint === burned ? 'burned' : 'absent'}`,
    );
    expect(states.sort()).toEqual(['missing_on_chain:needs_review:absent', 'ticket_state_mismatch:healed:burned', 'ticket_state_mismatch:healed:held']);
    expect(published.map((e) => `${e.kind}:${e.state}`).sort()).toEqual([
      'missing_on_chain:needs_review',
      'ticket_state_mismatch:healed',
      'ticket_state_mismatch:healed',
      'ticket_state_mismatch:open',
      'ticket_state_mismatch:open',
    ]);

    // Healed: a second run finds nothing new.
    const again = await reconcile(scope, []);
    expect(again.mismatches).toEqual({ missing_on_chain: 1 });
  }, 120_000);
});
