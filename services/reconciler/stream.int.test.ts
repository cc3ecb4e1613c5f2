// The stream path on the real stack, fed directly (publishing fabricated records to the shared
// topics would reach the other services): evaluation against Postgres, healing after a fresh
// chain read, escalation of a stuck operation once it is dead-lettered, and the Avro records on
// sync.discrepancies.
import { randomUUID } from 'node:crypto';
import { Keypair } from '@solana/web3.js';
import pg from 'pg';
import { createTicket } from '../../api/tickets.ts';
import { loadKeypairFile } from '../lib/solana/keys.ts';
import { mintAddressFor } from '../lib/solana/mint-address.ts';
import { RpcPool } from '../lib/solana/rpc-pool.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/logger.ts';
import { createRegistry } from '../lib/schemas.ts';
import { TOPICS } from '../lib/topics.ts';
import { collectUntil, testKafka } from '../../test/support/kafka.ts';
import { stackEnv } from '../../test/support/stack-env.ts';
import { seedChain, seedTickets } from '../../test/support/reconciler.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { discrepancyPublisher } from './publisher.ts';
import { snapshotChain, rpcHolderSnapshotReader } from './snapshot.ts';
import { evaluateStream, type StreamEvalDeps } from './stream-eval.ts';
import { StreamState } from './stream-state.ts';
import { randomHex } from '../../test/support/random.ts';

const env = stackEnv();
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
const kafka = testKafka(env.KAFKA_BROKERS);
const producer = kafka.producer();
const registry = createRegistry(env.SCHEMA_REGISTRY_URL);
const reader = rpcHolderSnapshotReader(new RpcPool({ urls: [env.SOLANA_RPC_URL] }));
afterAll(async () => {
  await producer.disconnect();
  await pool.end();
});
const key = () => Keypair.generate().publicKey.toBase58();
const authority = loadKeypairFile(env.AUTHORITY_KEYPAIR_PATH).publicKey;
const HOUR = 3_600_000;

function deps(state: StreamState): StreamEvalDeps {
  return {
    pool,
    state,
    publish: discrepancyPublisher(producer, registry),
    logger: silentLogger(),
    thresholds: { graceMs: 30_000, stuckMs: 300_000, pendingMs: HOUR },
    policy: DEFAULT_POLICY,
    confirmOwner: async (mint) =>
      (
        await snapshotChain(reader, [{ mint, tokenAccount: null, dbOwner: state.get(mint)?.chain?.owner ?? null }], {
          chunkKeys: 100,
          concurrency: 1,
          deadline: Date.now() + 30_000,
        })
      ).rows[0]?.owner,
    recentMs: 40_000,
  };
}

describe('stream evaluation', () => {
  it('heals an owner mismatch after re-reading the chain, and escalates a stuck operation to review once it is dead-lettered', async () => {
    await producer.connect();
    const [healMint, stuckMint, x, y] = [key(), key(), key(), key()];
    const ev = `stream-${randomHex()}`;
    await seedChain(env.SOLANA_RPC_URL, [
      { mint: healMint, owner: y },
      { mint: stuckMint, owner: x },
    ]);
    await seedTickets(pool, [
      { ticketId: `${ev}-1`, eventId: ev, mint: healMint, owner: x },
      { ticketId: `${ev}-2`, eventId: ev, mint: stuckMint, owner: x },
    ]);
    const opId = (
      await pool.query<{ op_id: string }>(
        `INSERT INTO chain_operations (op_id, idempotency_key, request_hash, type, ticket_id, mint, from_wallet, to_wallet, state)
       VALUES (gen_random_uuid(), $1, 'h', 'transfer', $2, $3, $4, $5, 'submitted') RETURNING op_id`,
        [`k-${ev}`, `${ev}-2`, stuckMint, x, y],
      )
    ).rows[0]!.op_id;

    const state = new StreamState();
    state.assign([0]);
    state.empty('status', 0);
    state.empty('ownership', 0);
    const now = Date.now();
    const owned = (mint: string, owner: string) =>
      state.ownership(0, { mint, owner, tokenAccount: null, amount: 1, slot: 10, commitment: 'confirmed', observedAt: now - HOUR });
    owned(healMint, y);
    owned(stuckMint, x);
    const status = { opId, idempotencyKey: `k-${ev}`, mint: stuckMint, type: 'transfer' as const, expectedOwner: y, attempt: 1, error: null };
    state.status(0, { ...status, state: 'submitted', at: now - 10 * 60_000 });

    const first = await evaluateStream(deps(state), now);
    expect(first).toMatchObject({ evaluated: 2, opened: 2, healed: 1 });
    expect((await pool.query('SELECT owner_wallet FROM tickets WHERE mint_address = $1', [healMint])).rows[0].owner_wallet).toBe(y);
    const stateOf = async (mint: string) => (await pool.query(`SELECT kind, state FROM discrepancies WHERE mint = $1`, [mint])).rows;
    expect(await stateOf(stuckMint)).toEqual([{ kind: 'stuck_operation', state: 'open' }]);

    // Retries exhausted: the submitter dead-letters the operation.
    state.status(0, { ...status, state: 'dead_lettered', attempt: 5, error: 'exhausted', at: now + 1_000 });
    await evaluateStream(deps(state), now + 2_000);
    expect(await stateOf(stuckMint)).toEqual([{ kind: 'stuck_operation', state: 'needs_review' }]);
    expect(await stateOf(healMint)).toEqual([{ kind: 'owner_mismatch', state: 'healed' }]);

    const { seen } = await collectUntil(
      kafka,
      TOPICS.discrepancies,
      (s) => s.filter((m) => [healMint, stuckMint].includes(m.message.key?.toString() ?? '')).length >= 4,
      60_000,
    );
    const ours = await Promise.all(
      seen
        .filter((m) => [healMint, stuckMint].includes(m.message.key?.toString() ?? ''))
        .map(async (m) => (await registry.decode(m.message.value!)) as { kind: string; state: string; mint: string }),
    );
    expect(ours.map((d) => `${d.mint === healMint ? 'heal' : 'stuck'}:${d.kind}:${d.state}`).sort()).toEqual([
      'heal:owner_mismatch:healed',
      'heal:owner_mismatch:open',
      'stuck:stuck_operation:needs_review',
      'stuck:stuck_operation:open',
    ]);
  });

  // The reconciler reads chain.ops.status as the projector does, so it can see an operation fail
  // before the projector has written the failure. The re-request then waits for the row; before,
  // the API's refusal ("is submitted") sent a mint that was safe to retry to review for good.
  it('re-requests a failed mint only once the projector has written the failure, and keeps the discrepancy open meanwhile', async () => {
    await producer.connect();
    const ticketId = `stream-lag-${randomHex()}`;
    await createTicket(pool, { id: ticketId, eventId: 'stream-lag-test' });
    const mint = (await mintAddressFor(authority, ticketId)).toBase58();
    await pool.query(`UPDATE tickets SET mint_address = $2, status = 'mint_requested' WHERE id = $1`, [ticketId, mint]);
    const opId = randomUUID();
    const to = key();
    // Written straight into chain_operations (no outbox row): no submitter ever sees generation 1.
    await pool.query(
      `INSERT INTO chain_operations (op_id, idempotency_key, request_hash, type, ticket_id, mint, to_wallet, state, attempts)
       VALUES ($1, $2, 'h', 'mint', $3, $4, $5, 'submitted', 1)`,
      [opId, `k-${opId}`, ticketId, mint, to],
    );
    const state = new StreamState();
    state.assign([0]);
    state.empty('status', 0);
    state.empty('ownership', 0);
    const now = Date.now();
    const status = { opId, idempotencyKey: `k-${opId}`, mint, type: 'mint' as const, expectedOwner: to, attempt: 1, generation: 1 };
    state.status(0, { ...status, state: 'submitted', error: null, errorKind: null, at: now - 10 * 60_000 });
    state.status(0, { ...status, state: 'failed', error: 'blockhash expired on all 1 attempts', errorKind: 'exhausted', at: now - 1_000 });

    const row = async () => (await pool.query('SELECT state, generation FROM chain_operations WHERE op_id = $1', [opId])).rows[0];
    const discrepancy = async () => (await pool.query(`SELECT kind, state FROM discrepancies WHERE mint = $1`, [mint])).rows;
    expect(await evaluateStream(deps(state), now)).toMatchObject({ evaluated: 1, opened: 1, healed: 0 });
    expect(await discrepancy()).toEqual([{ kind: 'stuck_operation', state: 'open' }]);
    expect(await row()).toEqual({ state: 'submitted', generation: 1 });

    await pool.query(
      `UPDATE chain_operations SET state = 'failed', last_error = 'blockhash expired on all 1 attempts', last_error_kind = 'exhausted' WHERE op_id = $1`,
      [opId],
    );
    // Evaluated again although nothing changed in the streams: no operation in flight, no chain change.
    expect(await evaluateStream(deps(state), now + 2_000)).toMatchObject({ evaluated: 1, healed: 1 });
    expect(await discrepancy()).toEqual([{ kind: 'stuck_operation', state: 'healed' }]);
    expect(await row()).toEqual({ state: 'requested', generation: 2 });
  });
});
