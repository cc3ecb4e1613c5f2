// The submitter on a congested chain (issue 15), on the running pipeline (submitter, projector,
// reconciler as processes) against a public-profile chain of this test's own, whose slots the test
// produces so the fee market's history is known when an attempt is priced:
// - a level the cap allows: the first attempt, priced while the recent slots still showed no
//   congestion, expires; the re-sign reads the level and pays it, raised over the first price,
//   and lands; the fee each attempt pays is stored and counted.
// - a level above the cap: every attempt pays at most the cap, none lands, the mint fails as
//   exhausted, and the reconciler's policy requests it again, which lands once the congestion ends.
// A blockhash lives 150 slots; at 20 ms a slot an expiry takes about 3 s.
import { Keypair, LAMPORTS_PER_SOL, VersionedTransaction } from '@solana/web3.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpsApi } from '../../api/operations.ts';
import { createTicket } from '../../api/tickets.ts';
import { withTransaction } from '../../services/lib/db.ts';
import { silentLogger } from '../../services/lib/logger.ts';
import { loadKeypairFile } from '../../services/lib/solana/keys.ts';
import { applyFaults } from '../../services/localnet/admin.ts';
import { startLocalnet, type Localnet } from '../../services/localnet/server.ts';
import { randomHex } from '../support/random.ts';
import { spawnService, type ServiceName, type ServiceProcess } from '../support/spawn-service.ts';
import { stackEnv } from '../support/stack-env.ts';
import { waitFor } from '../support/wait.ts';

const env = stackEnv();
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
const authority = loadKeypairFile(env.AUTHORITY_KEYPAIR_PATH).publicKey;
const api = createOpsApi({ authority });
const FLOOR = 1_000;
const CAP = 20_000;
const SLOT_MS = 20;

let net: Localnet;
let producing = true;
let clock: NodeJS.Timeout | undefined;
const services = new Map<ServiceName, ServiceProcess>();

beforeAll(async () => {
  net = await startLocalnet({ port: 0, slotMs: 0, confirmationSlots: 2, logger: silentLogger(), profile: 'public' });
  net.fund(authority.toBase58(), 1_000n * BigInt(LAMPORTS_PER_SOL));
  clock = setInterval(() => producing && net.advanceSlots(1), SLOT_MS);
  // Enough history that the fee market's window (150 slots) holds no congestion yet.
  await waitFor('150 slots of history', async () => (net.chain.tip().slot >= 160 ? true : undefined), { timeoutMs: 30_000, everyMs: 50 });
  const chain = { ...env, SOLANA_RPC_URL: net.rpcUrl, SOLANA_WS_URL: net.wsUrl, LOG_LEVEL: 'info' };
  const overrides: Record<string, Record<string, string>> = {
    submitter: {
      SUBMITTER_GROUP_ID: `congestion-submitter-${randomHex()}`,
      SUBMITTER_MAX_ATTEMPTS: '2',
      SUBMITTER_CU_PRICE_FLOOR: String(FLOOR),
      SUBMITTER_CU_PRICE_CAP: String(CAP),
      SUBMITTER_CU_PRICE_RAISE_PERCENT: '100',
      SUBMITTER_REBROADCAST_MS: '500',
    },
    projector: {},
    reconciler: {
      RECONCILER_GROUP_ID: `congestion-reconciler-${randomHex()}`,
      RECONCILE_INTERVAL_MS: '0',
      RECONCILE_EVAL_INTERVAL_MS: '1000',
      RECONCILE_GRACE_MS: '3000',
      HEAL_FAILED_OPERATION: 'retry',
      HEAL_RETRY_TYPES: 'mint',
      HEAL_MAX_RETRIES: '2',
    },
  };
  for (const name of ['projector', 'submitter', 'reconciler'] as const)
    services.set(name, await spawnService(name, { ...chain, ...overrides[name] }, { timeoutMs: 120_000 }));
}, 240_000);

afterAll(async () => {
  await Promise.all([...services.values()].map((s) => s.stop('SIGTERM')));
  clearInterval(clock);
  await net?.stop();
  await pool.end();
}, 60_000);

interface AttemptRow {
  attempt: number;
  outcome: string | null;
  cu_price: string;
  cu_limit: number;
  fee_lamports: string;
  tx_bytes: Buffer;
}
const attemptsOf = async (opId: string) =>
  (
    await pool.query<AttemptRow>(
      'SELECT attempt, outcome, cu_price, cu_limit, fee_lamports, tx_bytes FROM submitter_attempts WHERE op_id = $1 ORDER BY attempt',
      [opId],
    )
  ).rows;
const opRow = async (opId: string) =>
  (
    await pool.query<{ state: string; generation: number; last_error_kind: string | null }>(
      'SELECT state, generation, last_error_kind FROM chain_operations WHERE op_id = $1',
      [opId],
    )
  ).rows[0];
const settled = (opId: string) => async () => {
  const r = await opRow(opId);
  return r && (r.state === 'confirmed' || r.state === 'finalized') ? r : undefined;
};

async function requestMint(): Promise<{ opId: string; mint: string }> {
  const ticketId = `congestion-${randomHex()}`;
  await createTicket(pool, { id: ticketId, eventId: 'congestion-test' });
  const op = await withTransaction(pool, (c) =>
    api.requestMint(c, { ticketId, to: Keypair.generate().publicKey.toBase58(), idempotencyKey: `mint-${ticketId}` }),
  );
  return { opId: op.opId, mint: op.mint };
}

function diagnosis(): string {
  return ['submitter', 'reconciler']
    .map(
      (n) =>
        `${n} log:\n${services
          .get(n as ServiceName)!
          .logs()
          .split('\n')
          .slice(-30)
          .join('\n')}`,
    )
    .join('\n');
}

describe('the submitter under congestion', () => {
  it('pays more after an expiry and lands; never more than the cap; past the cap fails as exhausted and the reconciler requests it again', async () => {
    const LEVEL = 5_000;
    // Priced while the recent slots show no congestion: the first attempt offers the floor.
    producing = false;
    applyFaults(net, { congestion: { microLamports: LEVEL } });
    const a = await requestMint();
    await waitFor('the first attempt signed', async () => ((await attemptsOf(a.opId)).length ? true : undefined), { timeoutMs: 60_000, everyMs: 100 }).catch(
      (err: unknown) => {
        throw new Error(`${(err as Error).message}\n${diagnosis()}`);
      },
    );
    producing = true;
    await waitFor('the mint confirmed under congestion', settled(a.opId), { timeoutMs: 90_000, everyMs: 250 }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${diagnosis()}`);
    });
    const paid = await attemptsOf(a.opId);
    expect(paid.map((r) => Number(r.cu_price))).toEqual([FLOOR, LEVEL]);
    expect(paid.map((r) => r.outcome)).toEqual(['expired', 'confirmed']);
    for (const r of paid) {
      // The stored fee is what the chain charges for the signed message.
      const message = VersionedTransaction.deserialize(r.tx_bytes).message;
      expect(r.cu_limit).toBeGreaterThan(0);
      expect(r.cu_limit).toBeLessThan(200_000);
      expect(Number(r.fee_lamports)).toBe(5_000 + Math.ceil((Number(r.cu_price) * r.cu_limit) / 1e6));
      const charged = await fetch(net.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getFeeForMessage', params: [Buffer.from(message.serialize()).toString('base64')] }),
      });
      const value = ((await charged.json()) as { result: { value: number | null } }).result.value;
      if (value !== null) expect(value).toBe(Number(r.fee_lamports));
    }
    const submitter = services.get('submitter')!;
    expect(await submitter.metric('chainsync_submitter_fees_paid_lamports_total')).toBeGreaterThanOrEqual(Number(paid[1]!.fee_lamports));

    // Above the cap: every attempt offers at most the cap, and none lands.
    applyFaults(net, { congestion: { microLamports: CAP * 5 } });
    const b = await requestMint();
    const failed = await waitFor(
      'the mint failed as exhausted',
      async () => {
        const r = await opRow(b.opId);
        return r?.state === 'failed' ? r : undefined;
      },
      { timeoutMs: 90_000, everyMs: 250 },
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${diagnosis()}`);
    });
    expect(failed).toMatchObject({ generation: 1, last_error_kind: 'exhausted' });
    const capped = await attemptsOf(b.opId);
    expect(capped.length).toBe(2);
    expect(capped.every((r) => Number(r.cu_price) <= CAP)).toBe(true);
    expect(Number(capped.at(-1)!.cu_price)).toBe(CAP);
    expect(net.chain.getAccount(b.mint, 'processed')).toBeNull();

    // The congestion passes; the reconciler's policy requests the mint again, and it lands once.
    applyFaults(net, { congestion: null });
    const landed = await waitFor('the mint requested again and confirmed', settled(b.opId), { timeoutMs: 120_000, everyMs: 500 }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${diagnosis()}`);
    });
    expect(landed.generation).toBeGreaterThanOrEqual(2);
    const retries = (
      await pool.query<{ previous_state: string; reason: string }>(
        'SELECT previous_state, reason FROM chain_operation_retries WHERE op_id = $1 ORDER BY generation',
        [b.opId],
      )
    ).rows;
    expect(retries[0]).toMatchObject({ previous_state: 'failed', reason: expect.stringMatching(/^reconciler/) });
    expect(net.chain.getAccount(b.mint, 'confirmed')).not.toBeNull();
    expect((await attemptsOf(b.opId)).filter((r) => r.outcome === 'confirmed')).toHaveLength(1);
  }, 600_000);
});
