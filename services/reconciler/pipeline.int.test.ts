// Acceptance on the whole pipeline (submitter, chain-ingest, projector, reconciler as processes):
// no false positives under load, and injected faults detected, healed or queued, open count zero.
import { randomInt } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpsApi } from '../../api/operations.ts';
import { createTicket, registerCustodialWallet } from '../../api/tickets.ts';
import { withTransaction } from '../lib/db.ts';
import { silentLogger } from '../lib/logger.ts';
import { custodialKeypair, loadKeypairFile, loadMasterSeedFile } from '../lib/solana/keys.ts';
import { RpcPool } from '../lib/solana/rpc-pool.ts';

import { stackEnv } from '../../test/support/stack-env.ts';
import { fullReconciliation } from './full-run.ts';
import { pipeline } from '../../test/support/pipeline.ts';
import { waitFor } from '../../test/support/wait.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { rpcHolderSnapshotReader } from './snapshot.ts';
import { randomHex } from '../../test/support/random.ts';

const env = stackEnv();
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 6 });
const api = createOpsApi({ authority: loadKeypairFile(env.AUTHORITY_KEYPAIR_PATH).publicKey });
const seed = loadMasterSeedFile(env.CUSTODIAL_SEED_PATH);
const GRACE_MS = 5_000;
const services = pipeline(
  { ...env },
  {
    reconciler: {
      RECONCILER_GROUP_ID: `test-reconciler-${randomHex()}`,
      RECONCILE_INTERVAL_MS: '10000',
      RECONCILE_GRACE_MS: String(GRACE_MS),
      RECONCILE_EVAL_INTERVAL_MS: '1000',
    },
  },
);

async function wallet(): Promise<string> {
  const index = randomInt(1_000_000, 2_000_000_000);
  const address = custodialKeypair(seed, index).publicKey.toBase58();
  await registerCustodialWallet(pool, { address, derivationIndex: index, label: 'reconciler-test' });
  return address;
}

const owners = async (ids: string[]) =>
  (
    await pool.query<{ id: string; owner_wallet: string | null; mint_address: string }>(
      'SELECT id, owner_wallet, mint_address FROM tickets WHERE id = ANY($1)',
      [ids],
    )
  ).rows;
const everRecorded = async (mints: string[]) =>
  (await pool.query<{ kind: string; state: string; mint: string }>('SELECT kind, state, mint FROM discrepancies WHERE mint = ANY($1)', [mints])).rows;
const openFor = async (mints: string[]) =>
  (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM discrepancies WHERE mint = ANY($1) AND state = 'open'`, [mints])).rows[0]!.n;

async function requestAll(kind: 'mint' | 'transfer', ids: string[], to: string) {
  await Promise.all(
    ids.map((ticketId) =>
      withTransaction(pool, (c) =>
        kind === 'mint'
          ? api.requestMint(c, { ticketId, to, idempotencyKey: `mint-${ticketId}` })
          : api.requestTransfer(c, { ticketId, to, idempotencyKey: `xfer-${ticketId}-${to}` }),
      ),
    ),
  );
}
const allOwnedBy = (ids: string[], owner: string) => async () => ((await owners(ids)).every((t) => t.owner_wallet === owner) ? true : undefined);

beforeAll(async () => {
  for (const s of ['chain-ingest', 'projector', 'submitter', 'reconciler'] as const) await services.start(s);
}, 240_000);
afterAll(async () => {
  await services.stopAll();
  await pool.end();
}, 60_000);

describe('reconciler on the running pipeline', () => {
  const ev = `rec-${randomHex()}`;
  const ids = Array.from({ length: 30 }, (_, i) => `${ev}-${i}`);
  let mints: string[] = [];
  let w1 = '';
  let w2 = '';

  it('reports zero discrepancies for a healthy pipeline under load, also while operations are in flight', async () => {
    [w1, w2] = [await wallet(), await wallet()];
    for (const id of ids) await createTicket(pool, { id, eventId: ev });
    await requestAll('mint', ids, w1);
    await waitFor('every ticket minted and projected', allOwnedBy(ids, w1), { timeoutMs: 180_000, everyMs: 1000 });
    mints = (await owners(ids)).map((t) => t.mint_address);
    await requestAll('transfer', ids, w2);
    await waitFor('every transfer projected', allOwnedBy(ids, w2), { timeoutMs: 180_000, everyMs: 1000 });
    // Past the grace period and a scheduled run, still nothing was ever recorded for these mints.
    await new Promise((r) => setTimeout(r, GRACE_MS + 12_000));
    expect(await everRecorded(mints)).toEqual([]);
    const run = await fullReconciliation(
      {
        pool,
        reader: rpcHolderSnapshotReader(new RpcPool({ urls: [env.SOLANA_RPC_URL] })),
        publish: async () => undefined,
        logger: silentLogger(),
        thresholds: { graceMs: GRACE_MS, stuckMs: 300_000, pendingMs: 3_600_000 },
        policy: DEFAULT_POLICY,
        chunkKeys: 100,
        concurrency: 2,
        timeoutMs: 60_000,
        scope: mints,
      },
      'test',
    );
    expect(run).toMatchObject({ status: 'succeeded', checked: ids.length, mismatches: {}, errors: 0 });
  }, 600_000);

  it('heals an owner changed by hand, queues a deleted ticket for review, and is left with nothing once a stopped projector catches up', async () => {
    const [handEdited, deleted, ...moved] = ids.slice(0, 6) as [string, string, ...string[]];
    const mintOf = new Map((await owners(ids)).map((t) => [t.id, t.mint_address]));
    const scope = [handEdited, deleted, ...moved].map((id) => mintOf.get(id)!);

    await pool.query('UPDATE tickets SET owner_wallet = $2 WHERE id = $1', [handEdited, w1]);
    await pool.query('DELETE FROM chain_operations WHERE ticket_id = $1', [deleted]);
    await pool.query('DELETE FROM tickets WHERE id = $1', [deleted]);

    await services.stop('projector');
    await requestAll('transfer', moved, w1);
    // The transfers land on chain while nothing projects them; the grace period runs out.
    await new Promise((r) => setTimeout(r, GRACE_MS + 15_000));
    await services.start('projector');
    await waitFor('moved tickets projected after the projector came back', allOwnedBy(moved, w1), { timeoutMs: 120_000, everyMs: 1000 });

    const healed = await waitFor(
      'the hand-edited owner healed from the chain',
      async () => {
        const t = (await owners([handEdited]))[0];
        return t?.owner_wallet === w2 ? true : undefined;
      },
      { timeoutMs: 60_000, everyMs: 1000 },
    );
    expect(healed).toBe(true);
    await waitFor(
      'missing_in_db queued for review',
      async () => {
        const rows = await everRecorded([mintOf.get(deleted)!]);
        return rows.some((r) => r.kind === 'missing_in_db' && r.state === 'needs_review') ? true : undefined;
      },
      { timeoutMs: 60_000, everyMs: 1000 },
    );
    await waitFor('no open discrepancy left', async () => ((await openFor(scope)) === '0' ? true : undefined), { timeoutMs: 60_000, everyMs: 1000 });
    const kinds = (await everRecorded(scope)).map((r) => `${r.kind}:${r.state}`);
    expect(kinds).toContain('owner_mismatch:healed');
    expect(kinds).toContain('missing_in_db:needs_review');
    expect(kinds.filter((k) => k.endsWith(':open'))).toEqual([]);
  }, 600_000);
});
