// `npm run bench -- ingest-background [mints=20000] [seconds=20] [loads=0,200,1000]`: what
// chain-ingest costs while the rest of the chain is busy. A public-profile local chain runs as a
// child process (a hosted provider's limits and other people's activity); `mints` NFT holdings
// are seeded into it and followed by a chain-ingest leader session in this process, publishing
// to the stack's Kafka, with the projector as a process. At each background load (transactions/s)
// this process's CPU time and chain-ingest's RPC requests are measured over `seconds` with the
// bench doing nothing else; then 40 tracked mints are transferred directly on chain, one after
// another: the latency from sending each to its row in `ownership` (the chain's confirmation included). The goal: at 1,000 tx/s
// within 10% of the cost at 0.
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey } from '@solana/web3.js';
import { Registry } from 'prom-client';
import pg from 'pg';
import { startLeaderSession } from '../services/chain-ingest/session.ts';
import { ingestSpec } from '../services/chain-ingest/config.ts';
import { ingestMetrics } from '../services/chain-ingest/metrics.ts';
import { loadConfig } from '../services/lib/config.ts';
import { createKafka } from '../services/lib/kafka.ts';
import { createLogger } from '../services/lib/logger.ts';
import { createRegistry } from '../services/lib/schemas.ts';
import { admin, transferTx } from '../test/support/chain.ts';
import { startLocalnetProcess } from '../test/support/localnet-process.ts';
import { pipeline } from '../test/support/pipeline.ts';
import { stackEnv } from '../test/support/stack-env.ts';
import { waitFor } from '../test/support/wait.ts';

const MINTS = Number(process.argv[2] ?? 20_000);
const SECONDS = Number(process.argv[3] ?? 20);
const LOADS = (process.argv[4] ?? '0,200,1000').split(',').map(Number);
const SAMPLED = 40;
const env = stackEnv();
const say = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

const chain = await startLocalnetProcess({ LOCALNET_PROFILE: 'public', LOCALNET_BACKGROUND_TPS: '0', LOCALNET_CONFIRM_SLOTS: '2' });
const base = chain.rpcUrl;
const keyed = (key: string) => ({ rpc: `${chain.rpcUrl}/?api-key=${key}`, ws: `${chain.wsUrl}/?api-key=${key}` });
const conn = new Connection(keyed('bench').rpc, 'confirmed');

// The sampled mints' holders are ours, so they can be moved; the rest stay quiet.
const holders = Array.from({ length: SAMPLED }, () => Keypair.generate());
const holdings = Array.from({ length: MINTS }, (_, i) => ({
  mint: Keypair.generate().publicKey.toBase58(),
  owner: (i < SAMPLED ? holders[i]!.publicKey : Keypair.generate().publicKey).toBase58(),
}));
for (let i = 0; i < holdings.length; i += 2000) await admin(base, '/admin/seed', { holdings: holdings.slice(i, i + 2000) });
const payer = Keypair.generate();
await conn.confirmTransaction(await conn.requestAirdrop(payer.publicKey, 100 * LAMPORTS_PER_SOL), 'confirmed');
say(`chain at ${base}, ${MINTS} NFTs seeded`);

const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
const services = pipeline(env as unknown as Record<string, string>, { projector: { SOLANA_RPC_URL: keyed('projector').rpc } });
await services.start('projector');

const logger = createLogger('chain-ingest', { level: 'warn' });
const config = loadConfig(ingestSpec, {
  ...env,
  SOLANA_RPC_URL: keyed('chain-ingest').rpc,
  SOLANA_WS_URL: keyed('chain-ingest').ws,
  INGEST_TRACK_FROM_TOPIC: 'false',
  INGEST_FOLLOW_STATUS: 'false',
  INGEST_FOLLOW_REQUESTS: 'false',
});
config.TRACKED_MINTS = holdings.map((h) => h.mint);
const registry = new Registry();
const metrics = ingestMetrics(registry);
const kafka = createKafka('bench-ingest-background', env.KAFKA_BROKERS.split(','), logger);
const started = performance.now();
const session = await startLeaderSession({
  config,
  kafka,
  registry: createRegistry(env.SCHEMA_REGISTRY_URL),
  metrics,
  logger,
  onFatal: (err) => {
    console.error('chain-ingest failed', err);
    process.exit(1);
  },
});
await waitFor(
  'chain-ingest caught up',
  () => {
    if (!session.ingestor.caughtUp) process.stdout.write(`\r  following ${MINTS} mints: ${Math.round((performance.now() - started) / 1000)} s`);
    return session.ingestor.caughtUp;
  },
  { timeoutMs: 30 * 60_000, everyMs: 1000 },
);
say(`chain-ingest caught up on ${MINTS} mints in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const requestsByMethod = async () =>
  new Map((await registry.getSingleMetric('chainsync_ingest_rpc_requests_total')!.get()).values.map((v) => [String(v.labels.method), v.value]));
const requestsSince = (before: Map<string, number>, after: Map<string, number>) =>
  [...after].map(([method, n]) => [method, n - (before.get(method) ?? 0)] as const).filter(([, n]) => n > 0);
const ownerOf = async (mint: string) => (await pool.query<{ owner: string | null }>('SELECT owner FROM ownership WHERE mint = $1', [mint])).rows[0]?.owner;

let next = 0;
/** Moves the next sampled mint to a new wallet; ms from sending the transfer to its row (the chain's confirmation included). */
async function sampleLatency(): Promise<number> {
  const i = next++ % SAMPLED;
  const mint = holdings[i]!.mint;
  const to = Keypair.generate();
  const tx = transferTx(payer.publicKey, new PublicKey(mint), holders[i]!.publicKey, to.publicKey);
  tx.recentBlockhash = (await conn.getLatestBlockhash('confirmed')).blockhash;
  tx.feePayer = payer.publicKey;
  tx.sign(payer, holders[i]!);
  const sentAt = performance.now();
  await conn.sendRawTransaction(tx.serialize(), { preflightCommitment: 'confirmed' });
  holders[i] = to;
  await waitFor('the ownership row', async () => ((await ownerOf(mint)) === to.publicKey.toBase58() ? true : undefined), { timeoutMs: 60_000, everyMs: 10 });
  return performance.now() - sentAt;
}

// Steady state: every record published at start is finalized, which re-reads each mint once.
const finalized = async () =>
  (await registry.getSingleMetric('chainsync_ingest_records_published_total')!.get()).values
    .filter((v) => v.labels.commitment === 'finalized')
    .reduce((n, v) => n + v.value, 0);
await waitFor('every start record finalized', async () => ((await finalized()) >= MINTS ? true : undefined), { timeoutMs: 10 * 60_000, everyMs: 1000 });
await sleep(5_000);
say('start records finalized; measuring');

const rows: string[] = [];
for (const load of LOADS) {
  await admin(base, '/admin/faults', { backgroundTps: load });
  await sleep(5_000);
  // The cost first, with this process doing nothing else; then the latency samples.
  const cpu0 = process.cpuUsage();
  const req0 = await requestsByMethod();
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuPct = ((cpu.user + cpu.system) / 1e6 / seconds) * 100;
  const byMethod = requestsSince(req0, await requestsByMethod());
  const rps = byMethod.reduce((n, [, c]) => n + c, 0) / seconds;
  const latencies: number[] = [];
  for (let i = 0; i < SAMPLED; i++) latencies.push(await sampleLatency());
  const row = `| ${load} | ${cpuPct.toFixed(1)}% | ${rps.toFixed(2)} | ${pct(latencies, 50).toFixed(0)} | ${pct(latencies, 99).toFixed(0)} |`;
  rows.push(row);
  say(`background ${load} tx/s: ${row} (requests: ${byMethod.map(([m, n]) => `${m} ${n}`).join(', ') || 'none'})`);
  // The samples' finalization re-reads their mints: let it end before the next load is measured.
  const want = MINTS + next;
  await waitFor('the samples finalized', async () => ((await finalized()) >= want ? true : undefined), { timeoutMs: 120_000, everyMs: 500 }).catch(() =>
    say('not every sample was finalized within 2 minutes; measuring the next load anyway'),
  );
}

console.log(`\nchain-ingest following ${MINTS} quiet mints (${session.ingestor.trackedCount} tracked), ${SECONDS} s per load:\n`);
console.log(
  `| background tx/s | chain-ingest CPU (share of a core) | RPC requests/s | direct transfer sent → ownership row p50 (ms, ${SAMPLED} transfers) | p99 (ms) |`,
);
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(r);

await session.stop();
await services.stopAll();
await pool.end();
chain.stop();
process.exit(0);
