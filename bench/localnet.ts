// Transactions per second through the localnet's sendTransaction over HTTP versus the same
// signed transactions straight into LiteSVM in-process. Signing happens before the clock starts,
// so both figures measure only submission and execution. `npm run bench -- localnet [count]`.
import { Connection, Keypair, LAMPORTS_PER_SOL, SystemProgram, Transaction } from '@solana/web3.js';
import { getTransactionDecoder } from '@solana/kit';
import { silentLogger } from '../services/lib/logger.ts';
import { startLocalnet } from '../services/localnet/server.ts';
import { newSvm, writeAccount } from '../services/localnet/svm.ts';

const count = Number(process.argv[2] ?? 1500);
const concurrency = 16;

const payers = Array.from({ length: 8 }, () => Keypair.generate());
const to = Keypair.generate().publicKey;

function signAll(blockhash: string): Buffer[] {
  return Array.from({ length: count }, (_, i) => {
    const payer = payers[i % payers.length] as Keypair;
    const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: blockhash }).add(
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: LAMPORTS_PER_SOL / 1000 + i }),
    );
    tx.sign(payer);
    return tx.serialize();
  });
}

async function overHttp(skipPreflight: boolean): Promise<number> {
  const net = await startLocalnet({ port: 0, slotMs: 0, logger: silentLogger() });
  try {
    for (const p of payers) net.fund(p.publicKey.toBase58(), 1000n * BigInt(LAMPORTS_PER_SOL));
    const conn = new Connection(net.rpcUrl, { commitment: 'processed' });
    const wires = signAll(net.chain.tip().blockhash);
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < wires.length) {
          const wire = wires[next++] as Buffer;
          await conn.sendRawTransaction(wire, { skipPreflight });
        }
      }),
    );
    net.advanceSlots(1); // execute what was queued: landing is part of the cost
    const ms = performance.now() - start;
    const landed = net.chain.state.txs.size;
    if (landed !== count) throw new Error(`only ${landed}/${count} landed`);
    return (count / ms) * 1000;
  } finally {
    await net.stop();
  }
}

function inProcess(): number {
  const svm = newSvm();
  for (const p of payers) {
    writeAccount(svm, p.publicKey.toBase58(), {
      lamports: 1000n * BigInt(LAMPORTS_PER_SOL),
      data: new Uint8Array(0),
      owner: SystemProgram.programId.toBase58(),
      executable: false,
    });
  }
  const wires = signAll(svm.latestBlockhash());
  const decoder = getTransactionDecoder();
  const start = performance.now();
  for (const w of wires) svm.sendTransaction(decoder.decode(w));
  return (count / (performance.now() - start)) * 1000;
}

const direct = inProcess();
const httpSkip = await overHttp(true);
const httpPreflight = await overHttp(false);
const fmt = (n: number) => n.toFixed(0).padStart(7);
console.log(`localnet bench: ${count} signed SOL transfers, ${concurrency} concurrent HTTP senders`);
console.log(`  LiteSVM in-process            ${fmt(direct)} tx/s`);
console.log(`  HTTP sendTransaction (skip)   ${fmt(httpSkip)} tx/s   ratio ${(httpSkip / direct).toFixed(2)}`);
console.log(`  HTTP sendTransaction (preflt) ${fmt(httpPreflight)} tx/s   ratio ${(httpPreflight / direct).toFixed(2)}`);
