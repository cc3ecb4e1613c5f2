// Issue 14, finding 1: a mint minted and burned while chain-ingest was down never reached the
// database. chain.ownership had no record of it, and the ticket stayed mint_requested for good.
// Here the NFT is made and burned on the stack's chain before chain-ingest starts; then the
// ownership topic must get the burned record, and the projector's write path must mark the ticket burned.
import { randomInt } from 'node:crypto';
import { Connection } from '@solana/web3.js';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../../services/lib/db.ts';
import { applyOwnershipBatch } from '../../services/projector/ownership-store.ts';
import { burnNft, createNft, followOwnership, fundedKeypair } from '../support/chain.ts';
import { createPrivateTarget } from '../support/projector.ts';
import { randomHex } from '../support/random.ts';
import { spawnService, type ServiceProcess } from '../support/spawn-service.ts';
import { stackEnv } from '../support/stack-env.ts';
import { waitFor } from '../support/wait.ts';

const env = stackEnv();
const conn = new Connection(env.SOLANA_RPC_URL, { commitment: 'confirmed' });
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await pool.end();
});

describe('a mint minted and burned while chain-ingest is not running', () => {
  it('reaches chain.ownership as burned once chain-ingest starts, and the projector marks its ticket burned with an audit row', async () => {
    const payer = await fundedKeypair(conn, 5);
    const holder = await fundedKeypair(conn, 1);
    const mint = await createNft(conn, payer, holder.publicKey);
    await burnNft(conn, payer, mint, holder);
    const m = mint.toBase58();
    const ticketId = `t-${randomHex()}`;
    await pool.query(`INSERT INTO tickets (id, event_id, mint_address, status) VALUES ($1, $2, $3, 'mint_requested')`, [ticketId, `ev-${randomHex()}`, m]);
    cleanups.push(() => pool.query(`DELETE FROM tickets WHERE id = $1`, [ticketId]));

    const topic = await followOwnership(env.KAFKA_BROKERS, env.SCHEMA_REGISTRY_URL, [m]);
    cleanups.push(() => topic.stop());
    const lock = String(randomInt(1_000_000, 2 ** 40));
    const ingest: ServiceProcess = await spawnService('chain-ingest', {
      ...env,
      INGEST_LEADER_LOCK: lock,
      INGEST_STATUS_GROUP: `ingest-test-${lock}`,
      INGEST_TRACK_FROM_TOPIC: 'false',
      INGEST_FOLLOW_STATUS: 'false',
      INGEST_FOLLOW_REQUESTS: 'false',
      TRACKED_MINTS: m,
    });
    cleanups.push(() => ingest.stop());
    await waitFor('the burned record on chain.ownership', () => topic.latest(m) !== undefined, { timeoutMs: 60_000 }).catch((err: Error) => {
      throw new Error(`${err.message}\n${ingest.logs().split('\n').slice(-20).join('\n')}`);
    });
    const record = topic.latest(m)!;
    expect(record).toMatchObject({ mint: m, owner: null, tokenAccount: null, amount: 0 });

    const target = await createPrivateTarget(pool, true);
    cleanups.push(() => target.drop());
    await withTransaction(pool, (client) => applyOwnershipBatch(client, target, [record]));
    const ticket = (await pool.query(`SELECT status, owner_wallet FROM tickets WHERE id = $1`, [ticketId])).rows[0];
    expect(ticket).toEqual({ status: 'burned', owner_wallet: null });
    const audit = (await pool.query(`SELECT old_owner, new_owner, slot FROM ${target.audit} WHERE mint = $1`, [m])).rows;
    expect(audit).toEqual([{ old_owner: null, new_owner: null, slot: String(record.slot) }]);
  }, 240_000);
});
