// Issue 5, "a forked slot's change is corrected in the topic and in the table", on the real stack:
// an NFT moved on chain by a wallet this test controls is published and projected at confirmed;
// then the chain abandons the confirmed blocks that hold the transfer (a deep fork scoped to the
// sender's token account, so nobody else's transactions are lost). chain-ingest runs with no
// sweep: only its finality check (the root passed the slot, the finalized chain disagrees) can
// publish the correction, and the projector must let it replace the record it corrects.
import { randomInt } from 'node:crypto';
import { getAssociatedTokenAddressSync } from '@solana/spl-token';
import { Connection, Keypair } from '@solana/web3.js';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { chainOwners, createNft, followOwnership, fundedKeypair, land, transferTx } from '../support/chain.ts';
import type { OwnershipChange } from '../../services/lib/records.ts';

import { abandonConfirmed } from '../support/localnet-faults.ts';
import { pipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';
import { stackEnv } from '../support/stack-env.ts';
import { randomHex } from '../support/random.ts';

const env = stackEnv();
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
const conn = new Connection(env.SOLANA_RPC_URL, { commitment: 'confirmed', wsEndpoint: env.SOLANA_WS_URL });
const run = randomHex();
const projectorGroup = `fork-test-${run}`;
const ticketId = `fork-${run}`;
let services: ReturnType<typeof pipeline> | undefined;
let topic: Awaited<ReturnType<typeof followOwnership>> | undefined;

afterAll(async () => {
  await services?.stopAll();
  await topic?.stop();
  await pool.query('DELETE FROM tickets WHERE id = $1', [ticketId]);
  await pool.query('DELETE FROM projector_offsets WHERE group_id = $1', [projectorGroup]);
  await pool.end();
});

interface Projected {
  owner: string | null;
  slot: number;
  ticketOwner: string | null;
}

async function projected(mint: string): Promise<Projected | undefined> {
  const { rows } = await pool.query<{ owner: string | null; slot: string; ticket_owner: string | null }>(
    'SELECT o.owner, o.slot, t.owner_wallet AS ticket_owner FROM ownership o JOIN tickets t ON t.mint_address = o.mint WHERE o.mint = $1',
    [mint],
  );
  const r = rows[0];
  return r ? { owner: r.owner, slot: Number(r.slot), ticketOwner: r.ticket_owner } : undefined;
}

describe('a fork that abandons a confirmed slot', () => {
  it('is corrected in chain.ownership and in the ownership table, tickets and audit trail', { timeout: 300_000 }, async () => {
    const payer = await fundedKeypair(conn, 5);
    const alice = await fundedKeypair(conn, 1);
    const bob = Keypair.generate().publicKey;
    const mint = await createNft(conn, payer, alice.publicKey);
    const m = mint.toBase58();
    const aliceAta = getAssociatedTokenAddressSync(mint, alice.publicKey);
    // The fork drops every transaction naming Alice's token account, the NFT's creation too
    // unless it is rooted by then.
    await waitFor('the NFT to be rooted', async () => ((await conn.getAccountInfo(aliceAta, 'finalized')) ? true : undefined), {
      timeoutMs: 60_000,
      everyMs: 250,
    });
    await pool.query(`INSERT INTO tickets (id, event_id, mint_address, status) VALUES ($1, 'fork-test', $2, 'minted')`, [ticketId, m]);

    topic = await followOwnership(env.KAFKA_BROKERS, env.SCHEMA_REGISTRY_URL, [m]);
    const records = () => topic!.records.get(m)!;
    services = pipeline(env as unknown as Record<string, string>, {
      'chain-ingest': {
        INGEST_LEADER_LOCK: String(randomInt(1_000_000, 2 ** 40)),
        TRACKED_MINTS: m,
        INGEST_TRACK_FROM_TOPIC: 'false',
        INGEST_FOLLOW_STATUS: 'false',
        INGEST_FOLLOW_REQUESTS: 'false',
        INGEST_SWEEP_MS: '0',
      },
      projector: { OWNERSHIP_GROUP: projectorGroup, PROJECTOR_CONSUMERS: 'ownership' },
    });
    await Promise.all([services.start('chain-ingest'), services.start('projector')]);
    const a = alice.publicKey.toBase58();
    const b = bob.toBase58();
    await waitFor(
      'Alice in the topic and the table',
      async () => (topic!.latest(m)?.owner === a && (await projected(m))?.ticketOwner === a ? true : undefined),
      { timeoutMs: 60_000, everyMs: 250 },
    );

    const transfer = await land(conn, transferTx(payer.publicKey, mint, alice.publicKey, bob), [payer, alice]);
    const transferSlot = (await conn.getSignatureStatus(transfer)).value!.slot;
    await waitFor('Bob in the topic and the table', async () => (topic!.latest(m)?.owner === b && (await projected(m))?.ticketOwner === b ? true : undefined), {
      timeoutMs: 60_000,
      everyMs: 100,
    });
    const bobRecord = topic.latest(m)!;
    expect(bobRecord).toMatchObject({ owner: b, commitment: 'confirmed', source: 'stream', slot: transferSlot });

    const fork = await abandonConfirmed(env.SOLANA_RPC_URL, aliceAta.toBase58());
    // If the transfer had rooted already, the chain could not take it back: the test was too slow.
    expect(fork.droppedSignatures, `the transfer at slot ${transferSlot} was rooted before the fork`).toContain(transfer);
    expect(fork.abandonedSlots).toContain(transferSlot);
    expect((await chainOwners(conn, [m])).get(m)).toBe(a);
    expect((await conn.getSignatureStatus(transfer, { searchTransactionHistory: true })).value).toBeNull();

    const correction = await waitFor(
      'a later record giving the NFT back to Alice',
      async () => records().find((r, i) => i > records().indexOf(bobRecord) && r.owner === a),
      { timeoutMs: 90_000, everyMs: 250 },
    );
    expect(correction).toMatchObject({ owner: a, tokenAccount: aliceAta.toBase58(), commitment: 'confirmed', source: 'backfill' });
    // A correction never goes back in slot: consumers that keep the highest slot take it.
    expect(correction.slot).toBeGreaterThan(transferSlot);
    expect(fork.abandonedSlots).not.toContain(correction.slot);
    expect(services.logs('chain-ingest')).toContain('finalized chain contradicts published owner');

    await waitFor(
      'Alice back in the table and the ticket',
      async () => {
        const p = await projected(m);
        return p?.owner === a && p.ticketOwner === a && p.slot >= correction.slot ? p : undefined;
      },
      { timeoutMs: 60_000, everyMs: 250 },
    );
    const { rows: audit } = await pool.query<{ old_owner: string | null; new_owner: string | null; slot: string }>(
      'SELECT old_owner, new_owner, slot FROM ownership_audit WHERE mint = $1 ORDER BY id',
      [m],
    );
    expect(audit.map((r) => [r.old_owner, r.new_owner])).toEqual([
      [null, a],
      [a, b],
      [b, a],
    ]);
    expect(Number(audit.at(-1)!.slot)).toBe(correction.slot);

    // Then the root reaches the correction's slot and agrees with it.
    await waitFor('the correction finalized', async () => (topic!.latest(m)?.commitment === 'finalized' ? true : undefined), {
      timeoutMs: 90_000,
      everyMs: 250,
    });
    expect(topic.latest(m)).toMatchObject({ owner: a, slot: correction.slot });
    const slots = records().map((r: OwnershipChange) => r.slot);
    expect(slots).toEqual([...slots].sort((x, y) => x - y));
    expect(records().some((r) => r.owner === b && r.commitment === 'finalized')).toBe(false);
  });
});
