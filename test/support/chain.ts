// Helpers for chain-ingest's integration tests and benchmark: NFTs made directly on the chain with
// keypairs generated here, the chain's truth, and the topic's latest records.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Connection, Keypair, LAMPORTS_PER_SOL, type PublicKey, Transaction, type Signer } from '@solana/web3.js';
import {
  MINT_SIZE,
  TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  createBurnInstruction,
  createCloseAccountInstruction,
  createTransferInstruction,
  getAssociatedTokenAddressSync,
} from '@solana/spl-token';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { decodeTokenAccount, TOKEN_ACCOUNT_SIZE } from '../../services/lib/solana/token-accounts.ts';
import { createNftTx } from './nft-tx.ts';
import { TOPICS } from '../../services/lib/topics.ts';
import type { OwnershipChange } from '../../services/chain-ingest/sink.ts';
import { testKafka } from './kafka.ts';
import { randomName } from './random.ts';

/** Sends over HTTP and polls the status, so tests work while the chain refuses WebSockets. */
export async function land(conn: Connection, tx: Transaction, signers: Signer[], timeoutMs = 30_000): Promise<string> {
  const { blockhash } = await conn.getLatestBlockhash('confirmed');
  tx.recentBlockhash = blockhash;
  tx.feePayer ??= signers[0]!.publicKey;
  tx.sign(...signers);
  const sig = await conn.sendRawTransaction(tx.serialize(), { preflightCommitment: 'confirmed' });
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const st = (await conn.getSignatureStatuses([sig])).value[0];
    if (st?.err) throw new Error(`transaction ${sig} failed: ${JSON.stringify(st.err)}`);
    if (st && (st.confirmationStatus === 'confirmed' || st.confirmationStatus === 'finalized')) return sig;
    await sleep(150);
  }
  throw new Error(`transaction ${sig} not confirmed in ${timeoutMs} ms`);
}

export async function fundedKeypair(conn: Connection, sol = 10): Promise<Keypair> {
  const kp = Keypair.generate();
  const sig = await conn.requestAirdrop(kp.publicKey, sol * LAMPORTS_PER_SOL);
  for (let i = 0; i < 200; i++) {
    const st = (await conn.getSignatureStatuses([sig])).value[0];
    if (st?.confirmationStatus === 'confirmed' || st?.confirmationStatus === 'finalized') return kp;
    await sleep(150);
  }
  throw new Error('airdrop not confirmed');
}

/** A finished NFT (supply 1, decimals 0, no mint authority) held by `owner`'s associated account. */
export async function createNft(conn: Connection, payer: Keypair, owner: PublicKey): Promise<PublicKey> {
  const mint = Keypair.generate();
  const rent = await conn.getMinimumBalanceForRentExemption(MINT_SIZE);
  await land(conn, createNftTx(payer.publicKey, mint.publicKey, owner, rent), [payer, mint]);
  return mint.publicKey;
}

export function transferTx(payer: PublicKey, mint: PublicKey, from: PublicKey, to: PublicKey): Transaction {
  const src = getAssociatedTokenAddressSync(mint, from);
  const dst = getAssociatedTokenAddressSync(mint, to);
  return new Transaction().add(createAssociatedTokenAccountIdempotentInstruction(payer, dst, to, mint), createTransferInstruction(src, dst, from, 1));
}

/** Moves the NFT from `from` (who signs: a wallet the platform does not control) to `to`. */
export async function transferNft(conn: Connection, payer: Keypair, mint: PublicKey, from: Keypair, to: PublicKey): Promise<void> {
  await land(conn, transferTx(payer.publicKey, mint, from.publicKey, to), [payer, from]);
}

/** Burns the NFT and closes its account, as a holder reclaiming rent would. */
export async function burnNft(conn: Connection, payer: Keypair, mint: PublicKey, holder: Keypair): Promise<void> {
  const ata = getAssociatedTokenAddressSync(mint, holder.publicKey);
  await land(
    conn,
    new Transaction().add(createBurnInstruction(ata, mint, holder.publicKey, 1), createCloseAccountInstruction(ata, holder.publicKey, holder.publicKey)),
    [payer, holder],
  );
}

/** The chain's answer, per mint: the wallet whose token account holds it, or null. */
export async function chainOwners(
  conn: Connection,
  mints: readonly string[],
  commitment: 'processed' | 'confirmed' = 'confirmed',
): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (const mint of mints) {
    const rows = await conn.getProgramAccounts(TOKEN_PROGRAM_ID, {
      commitment,
      filters: [{ dataSize: TOKEN_ACCOUNT_SIZE }, { memcmp: { offset: 0, bytes: mint } }],
    });
    const holder = rows.map((r) => decodeTokenAccount(r.account.data)).find((t) => t && t.amount > 0n);
    out.set(mint, holder?.owner ?? null);
  }
  return out;
}

/**
 * Follows chain.ownership from the beginning in a group of its own, decoding with nothing but the
 * registry URL, and keeps every record of the mints asked for, in topic order.
 */
export async function followOwnership(brokers: string, registryUrl: string, mints: readonly string[]) {
  const kafka = testKafka(brokers);
  const registry = new SchemaRegistry({ host: registryUrl });
  const wanted = new Set(mints);
  const records = new Map<string, OwnershipChange[]>(mints.map((m) => [m, []]));
  const consumer = kafka.consumer({ groupId: randomName('ingest-test') });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.ownership, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const key = message.key?.toString();
      if (!key || !wanted.has(key) || !message.value) return;
      records.get(key)!.push((await registry.decode(message.value)) as OwnershipChange);
    },
  });
  return {
    records,
    latest: (mint: string) => records.get(mint)?.at(-1),
    stop: () => consumer.disconnect(),
  };
}

export async function admin(rpcUrl: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${rpcUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`admin ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}
