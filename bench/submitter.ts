// `npm run bench -- submitter [pipelined=400] [sequential=15]`: confirmed mints per second on the
// stack's local chain, (a) through the whole write path — outbox commit → Debezium → Kafka →
// submitter (pipelined, concurrent mints) → confirmed — and (b) a sequential send-and-confirm
// loop of the same mint transaction; plus p50/p99 latency from outbox commit to confirmed.
import { PublicKey } from '@solana/web3.js';
import { MINT_SIZE } from '@solana/spl-token';
import { createTicket } from '../api/tickets.ts';
import { mintAddressFor } from '../services/lib/solana/mint-address.ts';
import { buildMintTx } from '../services/lib/solana/transactions.ts';
import { harness, newWallet, startTestSubmitter, submitterEnv, tailStatus } from '../test/support/submitter.ts';
import { randomHex } from '../test/support/random.ts';

const PIPELINED = Number(process.argv[2] ?? 400);
const SEQUENTIAL = Number(process.argv[3] ?? 15);
const h = harness();

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function sequential(n: number): Promise<{ opsPerSec: number; latencies: number[] }> {
  const rent = await h.conn.getMinimumBalanceForRentExemption(MINT_SIZE);
  const latencies: number[] = [];
  const start = Date.now();
  for (let i = 0; i < n; i++) {
    const t0 = Date.now();
    const ticketId = `bench-seq-${randomHex(8)}`;
    const mint = await mintAddressFor(h.authority.publicKey, ticketId);
    const blockhash = await h.conn.getLatestBlockhash('confirmed');
    const tx = buildMintTx({ authority: h.authority, ticketId, mint, to: new PublicKey(newWallet()), rentLamports: rent, blockhash });
    const sig = await h.conn.sendRawTransaction(tx.bytes, { preflightCommitment: 'confirmed' });
    for (;;) {
      const s = (await h.conn.getSignatureStatuses([sig])).value[0];
      if (s?.confirmationStatus === 'confirmed' || s?.confirmationStatus === 'finalized') break;
      if (Date.now() - t0 > 30_000) throw new Error(`sequential mint ${sig} not confirmed in 30 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    latencies.push(Date.now() - t0);
  }
  return { opsPerSec: n / ((Date.now() - start) / 1000), latencies };
}

async function pipelined(n: number): Promise<{ opsPerSec: number; latencies: number[]; seconds: number }> {
  const status = await tailStatus(h);
  const submitter = await startTestSubmitter(h, submitterEnv(h));
  try {
    const client = await h.pool.connect();
    const ids: string[] = [];
    try {
      await client.query('BEGIN');
      for (let i = 0; i < n; i++) {
        const ticketId = `bench-${randomHex(8)}`;
        await createTicket(client, { id: ticketId, eventId: 'bench' });
        ids.push((await h.api.requestMint(client, { ticketId, to: newWallet(), idempotencyKey: `bench-${ticketId}` })).opId);
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const committedAt = Date.now();
    const wanted = new Set(ids);
    const done = await status.until((evs) => evs.filter((e) => wanted.has(e.opId) && e.state === 'confirmed').length >= n, 300_000);
    const confirmed = done.filter((e) => wanted.has(e.opId) && e.state === 'confirmed');
    const latencies = confirmed.map((e) => e.at - committedAt);
    const seconds = Math.max(...latencies) / 1000;
    return { opsPerSec: n / seconds, latencies, seconds };
  } finally {
    await submitter.close();
    await status.stop();
  }
}

try {
  console.log(`submitter bench: ${SEQUENTIAL} sequential send-and-confirm mints, then ${PIPELINED} mints through outbox → Debezium → Kafka → submitter`);
  const seq = await sequential(SEQUENTIAL);
  console.log(`sequential: ${seq.opsPerSec.toFixed(2)} confirmed ops/s (p50 ${pct(seq.latencies, 50)} ms, p99 ${pct(seq.latencies, 99)} ms per op)`);
  const pipe = await pipelined(PIPELINED);
  console.log(`pipelined:  ${pipe.opsPerSec.toFixed(2)} confirmed ops/s (${PIPELINED} in ${pipe.seconds.toFixed(1)} s)`);
  console.log(`latency outbox commit → confirmed (pipelined): p50 ${pct(pipe.latencies, 50)} ms, p99 ${pct(pipe.latencies, 99)} ms`);
  console.log(`speed-up: ${(pipe.opsPerSec / seq.opsPerSec).toFixed(1)}x (goal >= 20x)`);
} finally {
  await h.close();
}
