// `npm run demo`: against the pipeline `npm start` runs, mints and transfers a few hundred tickets
// through the platform, moves some NFTs directly on chain with wallets the platform does not
// control, shows progress, and ends with a consistency summary (database against chain,
// discrepancies found and healed). `npm run demo -- [tickets]` (default 300).
import { randomInt } from 'node:crypto';
import { createAssociatedTokenAccountIdempotentInstruction, createTransferInstruction, getAssociatedTokenAddressSync } from '@solana/spl-token';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, Transaction, sendAndConfirmTransaction } from '@solana/web3.js';
import { createOpsApi } from '../api/operations.ts';
import { createTicket, registerCustodialWallet } from '../api/tickets.ts';
import { createPool, withTransaction } from '../services/lib/db.ts';
import { createLogger } from '../services/lib/logger.ts';
import { custodialKeypair, loadKeypairFile, loadMasterSeedFile } from '../services/lib/solana/keys.ts';
import { fullReconciliation } from '../services/reconciler/full-run.ts';
import { DEFAULT_POLICY } from '../services/reconciler/policy.ts';
import { progressBar, summaryTable, table } from '../services/reconciler/report.ts';
import { rpcHolderSnapshotReader } from '../services/reconciler/snapshot.ts';
import { RpcPool } from '../services/lib/solana/rpc-pool.ts';
import { openCounts } from '../services/reconciler/store.ts';
import { loadStackConfig } from './stack/config.ts';
import { stackEnv } from './stack/env.ts';

const count = Number(process.argv[2] ?? 300);
const env = { ...stackEnv(loadStackConfig()), ...process.env } as Record<string, string>;
const logger = createLogger('demo', { level: 'warn' });
const pool = createPool(env.DATABASE_URL!, logger, 8);
const connection = new Connection(env.SOLANA_RPC_URL!, 'confirmed');
const api = createOpsApi({ authority: loadKeypairFile(env.AUTHORITY_KEYPAIR_PATH!).publicKey });
const seed = loadMasterSeedFile(env.CUSTODIAL_SEED_PATH!);
const say = (s: string) => console.log(s);
const tty = process.stdout.isTTY;

async function custodial(label: string): Promise<string> {
  const index = randomInt(1_000_000, 2_000_000_000);
  const address = custodialKeypair(seed, index).publicKey.toBase58();
  await registerCustodialWallet(pool, { address, derivationIndex: index, label });
  return address;
}

/** Polls until `done` reaches `total`, drawing a progress bar; gives up after `timeoutMs`. */
async function track(label: string, total: number, done: () => Promise<number>, timeoutMs = 300_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const n = await done();
    const line = `${label.padEnd(38)} ${progressBar(n, total, 30)}`;
    process.stdout.write(tty ? `\r${line}` : `${line}\n`);
    if (n >= total) {
      if (tty) process.stdout.write('\n');
      return n;
    }
    if (Date.now() - started > timeoutMs) {
      process.stdout.write('\n');
      throw new Error(`${label}: only ${n}/${total} after ${timeoutMs / 1000} s — is \`npm start\` running?`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const ownedBy = async (ids: string[], owners: Map<string, string>) => {
  const rows = (await pool.query<{ id: string; owner_wallet: string | null }>('SELECT id, owner_wallet FROM tickets WHERE id = ANY($1)', [ids])).rows;
  return rows.filter((r) => r.owner_wallet === owners.get(r.id)).length;
};

async function main(): Promise<void> {
  const eventId = `demo-${Date.now()}`;
  const ids = Array.from({ length: count }, (_, i) => `${eventId}-${String(i).padStart(4, '0')}`);
  const wallets = await Promise.all(['demo-a', 'demo-b', 'demo-c', 'demo-d'].map(custodial));
  // A fifth of the tickets go to wallets the platform does not control; half of those move on chain.
  const outsiders = new Map<string, Keypair>();
  const expected = new Map<string, string>();
  ids.forEach((id, i) => {
    if (i % 5 === 4) {
      const kp = Keypair.generate();
      outsiders.set(id, kp);
      expected.set(id, kp.publicKey.toBase58());
    } else expected.set(id, wallets[i % wallets.length]!);
  });

  say(`chainsync demo: ${count} tickets (event ${eventId})`);
  for (const id of ids) await createTicket(pool, { id, eventId });
  await Promise.all(
    ids.map((ticketId) => withTransaction(pool, (c) => api.requestMint(c, { ticketId, to: expected.get(ticketId)!, idempotencyKey: `mint-${ticketId}` }))),
  );
  await track('mints confirmed and projected', count, () => ownedBy(ids, expected));

  const platformMoves = ids.filter((id) => !outsiders.has(id)).slice(0, Math.floor(count / 2));
  for (const id of platformMoves) {
    const to = wallets[(wallets.indexOf(expected.get(id)!) + 1) % wallets.length]!;
    await withTransaction(pool, (c) => api.requestTransfer(c, { ticketId: id, to, idempotencyKey: `xfer-${id}` }));
    expected.set(id, to);
  }
  await track('platform transfers projected', platformMoves.length, () => ownedBy(platformMoves, expected));

  // Transfers the platform never asked for: the holder moves the NFT itself, straight on chain.
  const payer = Keypair.generate();
  await connection.confirmTransaction(await connection.requestAirdrop(payer.publicKey, 10 * LAMPORTS_PER_SOL), 'confirmed');
  const mintOf = new Map(
    (await pool.query<{ id: string; mint_address: string }>('SELECT id, mint_address FROM tickets WHERE id = ANY($1)', [ids])).rows.map((r) => [
      r.id,
      r.mint_address,
    ]),
  );
  const direct = [...outsiders.keys()].filter((_, i) => i % 2 === 0);
  let sent = 0;
  for (const id of direct) {
    const holder = outsiders.get(id)!;
    const receiver = Keypair.generate().publicKey;
    const mint = new PublicKey(mintOf.get(id)!);
    const from = getAssociatedTokenAddressSync(mint, holder.publicKey);
    const to = getAssociatedTokenAddressSync(mint, receiver);
    const tx = new Transaction().add(
      createAssociatedTokenAccountIdempotentInstruction(payer.publicKey, to, receiver, mint),
      createTransferInstruction(from, to, holder.publicKey, 1),
    );
    await sendAndConfirmTransaction(connection, tx, [payer, holder], { commitment: 'confirmed' });
    expected.set(id, receiver.toBase58());
    sent += 1;
    const line = `${'direct on-chain transfers sent'.padEnd(38)} ${progressBar(sent, direct.length, 30)}`;
    process.stdout.write(tty ? `\r${line}` : `${line}\n`);
  }
  if (tty) process.stdout.write('\n');
  await track('direct transfers seen by the pipeline', direct.length, () => ownedBy(direct, expected));

  // One fault for the reconciler to find: an owner overwritten by hand in Postgres.
  const tampered = platformMoves[0]!;
  await pool.query('UPDATE tickets SET owner_wallet = $2 WHERE id = $1', [tampered, Keypair.generate().publicKey.toBase58()]);
  say(`fault injected: the owner of ${tampered} overwritten by hand in Postgres`);
  // The reconciler leaves a mint alone for the grace period after its last change (the projector
  // may lag); the demo waits it out so the fault counts as a real mismatch.
  const graceMs = 30_000;
  const graceStart = Date.now();
  await track(
    'grace period after the last change',
    graceMs / 1000,
    async () => {
      const elapsed = Math.floor((Date.now() - graceStart) / 1000);
      return Math.min(graceMs / 1000, elapsed);
    },
    graceMs + 10_000,
  );

  const mints = ids.map((id) => mintOf.get(id)!);
  const run = await fullReconciliation(
    {
      pool,
      reader: rpcHolderSnapshotReader(new RpcPool({ urls: [env.SOLANA_RPC_URL!] })),
      publish: async () => undefined,
      logger,
      thresholds: { graceMs, stuckMs: 300_000, pendingMs: 3_600_000 },
      policy: DEFAULT_POLICY,
      chunkKeys: 100,
      concurrency: 4,
      timeoutMs: 120_000,
      scope: mints,
    },
    'cli',
  );
  const agree = await ownedBy(ids, expected);
  const found = (
    await pool.query<{ kind: string; state: string; n: string }>(
      'SELECT kind, state, count(*) AS n FROM discrepancies WHERE mint = ANY($1) GROUP BY 1, 2 ORDER BY 1, 2',
      [mints],
    )
  ).rows;
  say('\nconsistency summary (database against chain)');
  say(
    table([
      ['tickets', count],
      ['minted through the platform', count],
      ['transferred through the platform', platformMoves.length],
      ['transferred directly on chain', direct.length],
      ['database owner = chain owner', `${agree}/${count}`],
      ...found.map((r): [string, number] => [`discrepancies ${r.kind} ${r.state}`, Number(r.n)]),
    ]),
  );
  say('\nthe reconciliation run');
  say(summaryTable(run, await openCounts(pool)));
  if (agree !== count) process.exitCode = 1;
}

main()
  .catch((err: unknown) => {
    console.error(`✗ ${(err as Error).message}`);
    process.exitCode = 1;
  })
  .finally(() => pool.end());
