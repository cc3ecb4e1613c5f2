// Full reconciliation of N tracked mints (default 100,000) against the per-item approach (one RPC
// read and one SELECT per mint) on the same data, in one run. The NFTs are seeded straight into a
// private local chain (its own process, so the shared stack's chain is not bloated; `--shared`
// uses the stack's) and the tickets into the stack's Postgres, removed again at the end.
// The full runs take the snapshot the service's default way (auto: the Token program scan on a
// local chain), then, for reference, the chunked way a public cluster gets.
// `npm run bench -- reconcile [count] [--shared] [--item-sample N] [--no-chunks]`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Connection, PublicKey } from '@solana/web3.js';
import pg from 'pg';
import { silentLogger } from '../services/lib/logger.ts';
import { RpcPool } from '../services/lib/solana/rpc-pool.ts';
import { decodeMintAccount, decodeTokenAccount } from '../services/lib/solana/token-accounts.ts';
import { seedChain, seedTickets } from '../test/support/reconciler.ts';
import { fullReconciliation, type FullRunDeps } from '../services/reconciler/full-run.ts';
import { DEFAULT_POLICY } from '../services/reconciler/policy.ts';
import { rpcHolderSnapshotReader } from '../services/reconciler/snapshot.ts';
import { stackEnv } from '../test/support/stack-env.ts';

const args = process.argv.slice(2);
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const shared = args.includes('--shared');
const withChunks = !args.includes('--no-chunks');
const sampleArg = args.indexOf('--item-sample');
const itemSample = sampleArg >= 0 ? Number(args[sampleArg + 1]) : count;
// The per-item pass is stopped here and extrapolated, so the bench stays bounded in time.
const ITEM_BUDGET_MS = 8 * 60_000;

const env = stackEnv();
const say = (s: string) => console.log(s);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function privateChain(): Promise<{ url: string; child: ChildProcess | null }> {
  if (shared) return { url: env.SOLANA_RPC_URL, child: null };
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/localnet/main.ts'], {
    env: { ...process.env, LOCALNET_PORT: String(port), LOCALNET_SLOT_MS: '400', LOCALNET_SNAPSHOT: '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      await new Connection(url).getSlot();
      return { url, child };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill();
  throw new Error('the private local chain did not start');
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 8 });
const chain = await privateChain();
const eventId = `bench-${Date.now()}`;
// Random addresses: nothing here signs, and ed25519 key generation would take a minute per 100,000.
const randomKey = () => new PublicKey(randomBytes(32)).toBase58();
const holdings = Array.from({ length: count }, () => ({ mint: randomKey(), owner: randomKey() }));
const scope = holdings.map((h) => h.mint);
try {
  say(`seeding ${fmt(count)} NFTs into ${shared ? 'the stack' : 'a private'} local chain and ${fmt(count)} tickets into Postgres …`);
  let t = performance.now();
  await seedChain(chain.url, holdings);
  await seedTickets(
    pool,
    holdings.map((h, i) => ({ ticketId: `${eventId}-${i}`, eventId, mint: h.mint, owner: h.owner })),
  );
  await pool.query('ANALYZE tickets');
  say(`  seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // The bench measures the reconciler, not a rate limit or a timeout: one local endpoint, unthrottled.
  const rpc = new RpcPool({ urls: [chain.url], ratePerSecond: 100_000, timeoutMs: 120_000 });
  const deps: FullRunDeps = {
    pool,
    reader: rpcHolderSnapshotReader(rpc, { scanTimeoutMs: 20 * 60_000 }),
    publish: async () => undefined,
    logger: silentLogger(),
    thresholds: { graceMs: 30_000, stuckMs: 300_000, pendingMs: 3_600_000 },
    policy: DEFAULT_POLICY,
    chunkKeys: 100,
    concurrency: 4,
    timeoutMs: 20 * 60_000,
    // The service's default: on this (non-public) cluster, the Token program scan.
    strategy: 'auto',
    scope,
  };
  const cold = await fullReconciliation(deps, 'bench');
  const warm = await fullReconciliation(deps, 'bench');
  // The other strategy on the same data, for reference: what a public cluster gets.
  const chunked = withChunks ? await fullReconciliation({ ...deps, strategy: 'chunks' }, 'bench') : null;
  const runs = [
    ['cold (nothing remembered)', cold],
    ['warm (previous run remembered)', warm],
    ...(chunked ? [['chunks (getMultipleAccounts), warm', chunked] as const] : []),
  ] as const;
  for (const [name, r] of runs) {
    say(
      `full reconciliation, ${name}: ${fmt(r.checked)} mints in ${(r.durationMs / 1000).toFixed(2)} s = ${fmt(r.checked / (r.durationMs / 1000))} mints/s; read by ${r.strategy}, status ${r.status}, mismatches ${JSON.stringify(r.mismatches)}, errors ${r.errors}; phases ms ${JSON.stringify(r.phases)}`,
    );
  }

  // Per item: one SELECT and one RPC read per mint, sequentially, reading the same token accounts
  // the warm run read.
  const reader = rpcHolderSnapshotReader(rpc);
  const client = await pool.connect();
  let items = 0;
  let mismatches = 0;
  let selectMs = 0;
  let rpcMs = 0;
  t = performance.now();
  try {
    for (const mint of scope.slice(0, itemSample)) {
      const q0 = performance.now();
      const row = (
        await client.query<{ owner_wallet: string | null; token_account: string | null }>(
          'SELECT t.owner_wallet, r.token_account FROM tickets t LEFT JOIN reconciler_mints r ON r.mint = t.mint_address WHERE t.mint_address = $1',
          [mint],
        )
      ).rows[0];
      const r0 = performance.now();
      selectMs += r0 - q0;
      const { data } = await reader.getMultiple(row?.token_account ? [mint, row.token_account] : [mint]);
      rpcMs += performance.now() - r0;
      const present = data[0] ? decodeMintAccount(data[0]) !== null : false;
      const owner = data[1] ? (decodeTokenAccount(data[1])?.owner ?? null) : null;
      if (!present || owner !== row?.owner_wallet) mismatches += 1;
      items += 1;
      if (performance.now() - t > ITEM_BUDGET_MS) break;
    }
  } finally {
    client.release();
  }
  const itemMs = performance.now() - t;
  const itemRate = items / (itemMs / 1000);
  const partial = items < count;
  say(
    `per item: ${fmt(items)} mints in ${(itemMs / 1000).toFixed(2)} s = ${fmt(itemRate)} mints/s (mismatches ${mismatches})${partial ? `; SAMPLE of ${fmt(items)} of ${fmt(count)} (time-bounded), full run extrapolated to ${(count / itemRate).toFixed(0)} s` : ''}`,
  );
  const warmRate = warm.checked / (warm.durationMs / 1000);
  const coldRate = cold.checked / (cold.durationMs / 1000);
  // Where the time goes: the database side and the chain side of each approach, separately.
  const bulkDb = (warm.phases.load ?? 0) + (warm.phases.compare ?? 0);
  say(
    `  database side: per item ${(selectMs / 1000).toFixed(1)} s of SELECTs vs ${(bulkDb / 1000).toFixed(2)} s set-based (load + one comparison query) = ${(((selectMs / items) * count) / bulkDb).toFixed(1)}x`,
  );
  say(
    `  chain side: per item ${(rpcMs / 1000).toFixed(1)} s of single reads vs ${((warm.phases.chain ?? 0) / 1000).toFixed(2)} s by ${warm.strategy} = ${(((rpcMs / items) * count) / (warm.phases.chain ?? 1)).toFixed(1)}x`,
  );
  const chunkedNote = chunked ? `; chunks strategy ${(chunked.checked / (chunked.durationMs / 1000) / itemRate).toFixed(1)}x` : '';
  say(`speed-up: warm ${(warmRate / itemRate).toFixed(1)}x, cold ${(coldRate / itemRate).toFixed(1)}x (goal >= 50x)${chunkedNote}`);
} finally {
  say('cleaning up the bench rows …');
  await pool.query('DELETE FROM reconciler_mints WHERE mint = ANY($1)', [scope]);
  await pool.query('DELETE FROM tickets WHERE event_id = $1', [eventId]);
  await pool.query(`DELETE FROM reconcile_runs WHERE trigger = 'bench'`);
  await pool.end();
  chain.child?.kill('SIGTERM');
}
