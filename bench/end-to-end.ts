// `npm run bench -- end-to-end [rate=100] [seconds=20] [warmup=10]`: the whole pipeline as `npm
// start` runs it (submitter, chain-ingest, projector as processes) at a steady request rate; p50/p99
// from the outbox commit of a mint to its row in the ownership table, next to the chain's own
// confirmation time (a mint sent straight to the chain), since the goal is p99 <= confirmation +
// 1 s. The first `warmup` seconds run at the same rate and are not measured: freshly started
// services (connection pools, sockets, JIT) are not the steady state the goal is about.
// CHAINSYNC_BENCH_CHAIN=public runs it on a public-profile chain of its own (a process: a hosted
// provider's limits and other people's activity, LOCALNET_BACKGROUND_TPS of it), each service
// with its own API key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection, Keypair, LAMPORTS_PER_SOL } from '@solana/web3.js';
import { MINT_SIZE } from '@solana/spl-token';
import { createOpsApi } from '../api/operations.ts';
import { createTicket } from '../api/tickets.ts';
import { createPool, withTransaction } from '../services/lib/db.ts';
import { silentLogger } from '../services/lib/logger.ts';
import { loadKeypairFile } from '../services/lib/solana/keys.ts';
import { mintAddressFor } from '../services/lib/solana/mint-address.ts';
import { buildMintTx } from '../services/lib/solana/transactions.ts';
import { loadStackConfig } from '../scripts/stack/config.ts';
import { stackEnv } from '../scripts/stack/env.ts';
import { startLocalnetProcess } from '../test/support/localnet-process.ts';
import { pipeline } from '../test/support/pipeline.ts';
import { publicChainSettings } from '../test/support/public-chain.ts';
import { waitFor } from '../test/support/wait.ts';

const RATE = Number(process.argv[2] ?? 100);
const SECONDS = Number(process.argv[3] ?? 20);
const WARMUP_SECONDS = Number(process.argv[4] ?? 10);
const stack = loadStackConfig();
const env = { ...stackEnv(stack), ...process.env } as Record<string, string>;
const pool = createPool(env.DATABASE_URL!, silentLogger(), 20);
const authority = loadKeypairFile(env.AUTHORITY_KEYPAIR_PATH!);
const api = createOpsApi({ authority: authority.publicKey });
const publicChain = process.env.CHAINSYNC_BENCH_CHAIN === 'public' ? await startLocalnetProcess({ LOCALNET_PROFILE: 'public' }) : null;
const publicSettings = publicChain ? await publicChainSettings(publicChain.rpcUrl, publicChain.wsUrl, env.KAFKA_BROKERS!) : null;
const connection = new Connection(publicSettings?.urls('bench').rpcUrl ?? env.SOLANA_RPC_URL!, 'confirmed');
if (publicChain) await connection.confirmTransaction(await connection.requestAirdrop(authority.publicKey, 1_000 * LAMPORTS_PER_SOL), 'confirmed');
const services = pipeline(env, publicSettings?.overrides ?? {});
const run = Math.random().toString(36).slice(2, 8);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** The chain's own send → confirmed time for the same kind of transaction, sequentially. */
async function chainConfirmationMs(samples: number): Promise<number[]> {
  const rent = await connection.getMinimumBalanceForRentExemption(MINT_SIZE);
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const ticketId = `e2e-bench-direct-${run}-${i}`;
    const mint = await mintAddressFor(authority.publicKey, ticketId);
    const blockhash = await connection.getLatestBlockhash('confirmed');
    const tx = buildMintTx({ authority, ticketId, mint, to: Keypair.generate().publicKey, rentLamports: rent, blockhash });
    const t0 = Date.now();
    const sig = await connection.sendRawTransaction(tx.bytes, { skipPreflight: true });
    for (;;) {
      const s = (await connection.getSignatureStatuses([sig])).value[0];
      if (s?.confirmationStatus === 'confirmed' || s?.confirmationStatus === 'finalized') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    out.push(Date.now() - t0);
  }
  return out;
}

/** Where the time went, per stage, from the timestamps the services write (database clock). */
async function printStages(ticketPattern: string): Promise<void> {
  const stages: Array<[string, string, string]> = [
    ['outbox commit → submitter intake (Debezium, Kafka)', 's.requested_at', 's.taken_at'],
    ['intake → attempt signed and persisted', 's.taken_at', 'a.created_at'],
    ['persisted → sent', 'a.created_at', 'a.sent_at'],
    ['sent → confirmed seen by the submitter', 'a.sent_at', 's.confirmed_at'],
    ['sent → ownership row written (chain, chain-ingest, projector)', 'a.sent_at', 'p.at'],
  ];
  const cols = stages.map(
    ([, from, to], i) => `percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ${to} - ${from})) AS p50_${i},
         percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM ${to} - ${from})) AS p99_${i}`,
  );
  const { rows } = await pool.query<Record<string, number>>(
    `SELECT ${cols.join(',\n')}
       FROM submitter_ops s
       JOIN submitter_attempts a ON a.op_id = s.op_id AND a.attempt = 1
       JOIN LATERAL (SELECT min(at) AS at FROM ownership_audit x WHERE x.mint = s.mint) p ON true
      WHERE s.ticket_id LIKE $1`,
    [ticketPattern],
  );
  const r = rows[0];
  if (!r) return;
  console.log('  stages (p50 / p99, ms):');
  stages.forEach(([name], i) => console.log(`    ${name}: ${Math.round(r[`p50_${i}`]! * 1000)} / ${Math.round(r[`p99_${i}`]! * 1000)}`));
}

/**
 * The event-loop stalls each process reported during the run (lib/stall-watch): a latency tail
 * is almost always one of them standing still, and the cause says whether it computed, collected
 * or waited.
 */
function printStalls(since: number): void {
  const lines: Array<[string, string]> = (['submitter', 'chain-ingest', 'projector'] as const).flatMap((name) =>
    services
      .logs(name)
      .split('\n')
      .map((l) => [name, l] as [string, string]),
  );
  try {
    for (const l of readFileSync(join(stack.logDir, 'localnet.log'), 'utf8').split('\n')) lines.push(['localnet', l]);
  } catch {
    // A chain not started by the stack scripts logs elsewhere.
  }
  const stalls = lines
    .filter(([, l]) => l.includes('"msg":"event loop stalled"'))
    .map(([name, l]) => ({ name, ...(JSON.parse(l) as { time: number; blockedMs: number; cpuMs: number; gcMs: number; cause: string }) }))
    .filter((s) => s.time >= since);
  console.log(`  event-loop stalls of 250 ms or more: ${stalls.length === 0 ? 'none' : ''}`);
  for (const s of stalls)
    console.log(`    +${((s.time - since) / 1000).toFixed(1)} s ${s.name}: ${s.blockedMs} ms ${s.cause} (cpu ${s.cpuMs} ms, gc ${s.gcMs} ms)`);
}

async function main(): Promise<void> {
  console.log(`starting submitter, chain-ingest and projector…`);
  await Promise.all([services.start('submitter'), services.start('chain-ingest'), services.start('projector')]);
  // Steady state: chain-ingest reads every tracked mint once at start (seconds on a chain of many
  // thousand mints), which is not what a request in a running pipeline waits for.
  await waitFor('chain-ingest to close its start gap', async () => (/stream gap closed by backfill/.test(services.logs('chain-ingest')) ? true : undefined), {
    timeoutMs: 300_000,
    everyMs: 200,
  });
  const direct = await chainConfirmationMs(10);
  console.log(`chain confirmation (direct send → confirmed): p50 ${pct(direct, 50)} ms, p99 ${pct(direct, 99)} ms`);

  const committedAt = new Map<string, number>();
  const seenAt = new Map<string, number>();
  const total = RATE * SECONDS;
  const warmup = RATE * WARMUP_SECONDS;
  // Recipients exist before the run, as a platform's users do: generating a key pair in JS is
  // about a millisecond of curve arithmetic, which would be the bench's CPU, not the pipeline's.
  const recipients = Array.from({ length: warmup + total }, () => Keypair.generate().publicKey.toBase58());
  // Watches from the first request on, so a row is timed when it appears, not when the request
  // phase is over. The projector appends an audit row in the transaction that writes an owner, so
  // reading the audit trail forward by id sees every new row cheaply. Ids are taken before their
  // transactions commit, so a row can appear below ids already read: ids skipped over are looked
  // for again by id until they appear or GAP_MS has passed (a rolled-back batch leaves a gap in
  // the sequence). Passing them by count instead lost rows whose transaction took longer than
  // that count of ids to commit; re-reading a window made this poller a tenth of the machine's
  // CPU at 100 ops/s.
  const GAP_MS = 30_000;
  let watching = true;
  const watcher = (async () => {
    let top = Number((await pool.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM ownership_audit')).rows[0]!.id);
    const missing = new Map<number, number>();
    while (watching) {
      const { rows } = await pool.query<{ id: string; mint: string; owned: boolean }>(
        'SELECT id, mint, new_owner IS NOT NULL AS owned FROM ownership_audit WHERE id > $1 OR id = ANY($2::bigint[]) ORDER BY id',
        [top, [...missing.keys()]],
      );
      const now = Date.now();
      for (const r of rows) {
        const id = Number(r.id);
        if (r.owned && !seenAt.has(r.mint)) seenAt.set(r.mint, now);
        missing.delete(id);
        for (let skipped = top + 1; skipped < id; skipped++) missing.set(skipped, now);
        top = Math.max(top, id);
      }
      for (const [id, since] of missing) if (now - since > GAP_MS) missing.delete(id);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const started = Date.now();
  let measuredFrom = started;
  const requests: Promise<void>[] = [];
  for (let i = 0; i < warmup + total; i++) {
    // Steady schedule: request i is due at i / RATE seconds, whatever the previous ones took.
    const due = started + (i * 1000) / RATE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const measured = i >= warmup;
    if (i === warmup) measuredFrom = Date.now();
    const ticketId = measured ? `e2e-bench-${run}-${i - warmup}` : `e2e-warmup-${run}-${i}`;
    requests.push(
      withTransaction(pool, async (tx) => {
        await createTicket(tx, { id: ticketId, eventId: `e2e-bench-${run}` });
        return api.requestMint(tx, { ticketId, to: recipients[i]!, idempotencyKey: `e2e-bench-${ticketId}` });
      }).then((op) => void (measured && committedAt.set(op.mint, Date.now()))),
    );
    if (i % RATE === 0) process.stdout.write(measured ? `\rrequested ${i - warmup}/${total}` : `\rwarming up ${i}/${warmup}`);
  }
  await Promise.all(requests);
  console.log(`\rrequested ${total}/${total} after ${warmup} warm-up requests, in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const deadline = Date.now() + 180_000;
  const projected = () => [...committedAt.keys()].filter((m) => seenAt.has(m)).length;
  while (projected() < total && Date.now() < deadline) {
    process.stdout.write(`\rprojected ${projected()}/${total}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  watching = false;
  await watcher;
  const latencies = [...committedAt.entries()].filter(([mint]) => seenAt.has(mint)).map(([mint, at]) => seenAt.get(mint)! - at);
  console.log(
    `\n\nend to end${publicChain ? ' on the public profile' : ''} at ${RATE} ops/s for ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up (${total} mints, ${latencies.length} projected):`,
  );
  console.log(`  outbox commit → ownership row: p50 ${pct(latencies, 50)} ms, p99 ${pct(latencies, 99)} ms, max ${Math.max(...latencies)} ms`);
  console.log(`  goal p99 <= chain confirmation p50 + 1 s = ${pct(direct, 50) + 1000} ms: ${pct(latencies, 99) <= pct(direct, 50) + 1000 ? 'met' : 'not met'}`);
  await printStages(`e2e-bench-${run}-%`);
  printStalls(measuredFrom);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await services.stopAll();
    await pool.end();
    publicChain?.stop();
  });
