import { Keypair } from '@solana/web3.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../services/lib/db.ts';
import { InvalidInputError } from '../services/lib/errors.ts';
import { loadKeypairFile } from '../services/lib/solana/keys.ts';
import { mintAddressFor } from '../services/lib/solana/mint-address.ts';
import { TOPICS } from '../services/lib/topics.ts';
import { collectUntil, testKafka } from '../test/support/kafka.ts';
import { stackEnv } from '../test/support/stack-env.ts';
import { createOpsApi } from './operations.ts';
import { IdempotencyConflictError } from './requests.ts';
import { createTicket } from './tickets.ts';
import { randomHex } from '../test/support/random.ts';

const env = stackEnv();
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
const authority = loadKeypairFile(env.AUTHORITY_KEYPAIR_PATH).publicKey;
const api = createOpsApi({ authority });
const wallet = () => Keypair.generate().publicKey.toBase58();
const newTicket = async () => {
  const id = `t-${randomHex()}`;
  await createTicket(pool, { id, eventId: 'e-1' });
  return id;
};

beforeAll(async () => {
  await pool.query('SELECT 1 FROM chain_operations LIMIT 1');
});
afterAll(() => pool.end());

describe('application API', () => {
  it('writes the operation and its outbox row in the caller transaction, and Debezium publishes it keyed by the mint', async () => {
    const ticketId = await newTicket();
    const to = wallet();
    const op = await withTransaction(pool, (c) => api.requestMint(c, { ticketId, to, idempotencyKey: `mint-${ticketId}` }));
    expect(op).toMatchObject({ type: 'mint', ticketId, to, from: null, state: 'requested', created: true });
    expect(op.mint).toBe((await mintAddressFor(authority, ticketId)).toBase58());

    const ticket = (await pool.query('SELECT mint_address, status, owner_wallet FROM tickets WHERE id = $1', [ticketId])).rows[0];
    // Invariant 4: the owner is not recorded until the chain says so.
    expect(ticket).toEqual({ mint_address: op.mint, status: 'mint_requested', owner_wallet: null });

    const { seen } = await collectUntil(
      testKafka(env.KAFKA_BROKERS),
      TOPICS.opsRequested,
      (s) => s.some((m) => m.message.headers?.id?.toString() === op.opId),
      60_000,
    );
    const record = seen.find((m) => m.message.headers?.id?.toString() === op.opId)!;
    expect(record.message.key?.toString()).toBe(op.mint);
    const payload = JSON.parse(record.message.value!.toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ opId: op.opId, type: 'mint', mint: op.mint, to, ticketId, idempotencyKey: `mint-${ticketId}` });
    // Debezium's JSON expansion leaves out null fields; readers apply the Avro defaults.
    expect(payload.from ?? null).toBeNull();
  });

  it('returns the existing operation for the same key and request, and refuses the key for another request', async () => {
    const ticketId = await newTicket();
    const to = wallet();
    const key = `mint-${ticketId}`;
    const first = await api.requestMint(pool, { ticketId, to, idempotencyKey: key });
    const again = await api.requestMint(pool, { ticketId, to, idempotencyKey: key });
    expect(again).toMatchObject({ opId: first.opId, created: false });
    await expect(api.requestMint(pool, { ticketId, to: wallet(), idempotencyKey: key })).rejects.toThrow(IdempotencyConflictError);
    const count = (await pool.query('SELECT count(*)::int AS n FROM chain_outbox WHERE aggregateid = $1', [first.mint])).rows[0].n;
    expect(count).toBe(1);
  });

  it('lets concurrent requests with one key create exactly one operation', async () => {
    const ticketId = await newTicket();
    const to = wallet();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => withTransaction(pool, (c) => api.requestMint(c, { ticketId, to, idempotencyKey: `race-${ticketId}` }))),
    );
    expect(new Set(results.map((r) => r.opId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('leaves nothing behind when the caller rolls back', async () => {
    const ticketId = await newTicket();
    await expect(
      withTransaction(pool, async (c) => {
        await api.requestMint(c, { ticketId, to: wallet(), idempotencyKey: `rb-${ticketId}` });
        throw new Error('business rule failed after the request');
      }),
    ).rejects.toThrow('business rule failed');
    expect((await pool.query('SELECT count(*)::int AS n FROM chain_operations WHERE ticket_id = $1', [ticketId])).rows[0].n).toBe(0);
    expect((await pool.query(`SELECT status FROM tickets WHERE id = $1`, [ticketId])).rows[0].status).toBe('created');
  });

  it('derives the sender of a transfer from the operations already requested, so a transfer can follow its mint at once', async () => {
    const ticketId = await newTicket();
    const [alice, bob, carol] = [wallet(), wallet(), wallet()];
    await api.requestMint(pool, { ticketId, to: alice, idempotencyKey: `m-${ticketId}` });
    const t1 = await api.requestTransfer(pool, { ticketId, to: bob, idempotencyKey: `t1-${ticketId}` });
    expect(t1).toMatchObject({ from: alice, to: bob });
    const t2 = await api.requestTransfer(pool, { ticketId, to: carol, from: bob, idempotencyKey: `t2-${ticketId}` });
    expect(t2).toMatchObject({ from: bob, to: carol });
    await expect(api.requestTransfer(pool, { ticketId, to: alice, from: bob, idempotencyKey: `t3-${ticketId}` })).rejects.toThrow(/is not the owner/);
    const burn = await api.requestBurn(pool, { ticketId, idempotencyKey: `b-${ticketId}` });
    expect(burn).toMatchObject({ from: carol, to: null });
    await expect(api.requestTransfer(pool, { ticketId, to: alice, idempotencyKey: `t4-${ticketId}` })).rejects.toThrow(/no owner/);
  });

  it('takes a transfer from the wallet an outside transfer moved the ticket to (it was refused as "not the owner")', async () => {
    const ticketId = await newTicket();
    const [alice, bob, carol] = [wallet(), wallet(), wallet()];
    const mint = await api.requestMint(pool, { ticketId, to: alice, idempotencyKey: `m-${ticketId}` });
    // What the projector writes once the mint lands at slot 40 and alice, signing herself, sends
    // the ticket to bob at slot 52.
    await pool.query(`UPDATE chain_operations SET state = 'confirmed', last_slot = 40 WHERE op_id = $1`, [mint.opId]);
    await pool.query(
      `INSERT INTO ownership (mint, owner, token_account, amount, slot, commitment, updated_at) VALUES ($1, $2, NULL, 1, 52, 'confirmed', now())`,
      [mint.mint, bob],
    );
    await expect(api.requestTransfer(pool, { ticketId, to: carol, from: alice, idempotencyKey: `t1-${ticketId}` })).rejects.toThrow(
      `${alice} is not the owner of ticket ${ticketId} (expected ${bob})`,
    );
    const back = await api.requestTransfer(pool, { ticketId, to: alice, from: bob, idempotencyKey: `t2-${ticketId}` });
    expect(back).toMatchObject({ from: bob, to: alice });
    // In flight, the platform's own transfer decides: the chain has not caught up with it yet.
    const burn = await api.requestBurn(pool, { ticketId, idempotencyKey: `b-${ticketId}` });
    expect(burn).toMatchObject({ from: alice, to: null });
  });

  it('refuses bad input with a clear reason and writes nothing', async () => {
    const ticketId = await newTicket();
    const cases: Array<[() => Promise<unknown>, RegExp]> = [
      [() => api.requestMint(pool, { ticketId, to: 'not-an-address', idempotencyKey: `x1-${ticketId}` }), /not a valid Solana address/],
      [() => api.requestMint(pool, { ticketId: `missing-${ticketId}`, to: wallet(), idempotencyKey: `x2-${ticketId}` }), /does not exist/],
      [() => api.requestTransfer(pool, { ticketId, to: wallet(), idempotencyKey: `x3-${ticketId}` }), /is not minted/],
      [() => api.requestBurn(pool, { ticketId, idempotencyKey: `x4-${ticketId}` }), /is not minted/],
    ];
    for (const [attempt, reason] of cases) {
      const err = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message).toMatch(reason);
    }
    expect((await pool.query('SELECT count(*)::int AS n FROM chain_operations WHERE ticket_id = $1', [ticketId])).rows[0].n).toBe(0);
  });
});
