// Helpers for the local chain's tests: an in-process chain on a random port with a manual clock,
// and a way to land a transaction without waiting on wall time.
import { Connection, Keypair, LAMPORTS_PER_SOL, type Transaction, type Commitment, type PublicKey, type Signer } from '@solana/web3.js';
import { MINT_SIZE, getAssociatedTokenAddressSync } from '@solana/spl-token';
import { silentLogger } from '../../services/lib/logger.ts';
import { createNftTx } from './nft-tx.ts';
import { startLocalnet, type Localnet, type LocalnetOptions } from '../../services/localnet/server.ts';
import type { WaitOptions } from './wait.ts';

export async function startTestLocalnet(options: LocalnetOptions = {}): Promise<{ net: Localnet; conn: Connection }> {
  const net = await startLocalnet({ port: 0, slotMs: 0, confirmationSlots: 2, logger: silentLogger(), ...options });
  const conn = new Connection(net.rpcUrl, { wsEndpoint: net.wsUrl, commitment: 'confirmed' });
  return { net, conn };
}

/** Signs with a processed blockhash, sends with preflight, and produces the block it lands in. */
export async function land(
  net: Localnet,
  conn: Connection,
  tx: Transaction,
  signers: Signer[],
  opts: { skipPreflight?: boolean; slots?: number } = {},
): Promise<string> {
  const { blockhash } = await conn.getLatestBlockhash('processed');
  tx.recentBlockhash = blockhash;
  tx.feePayer ??= signers[0]?.publicKey;
  tx.sign(...signers);
  const sig = await conn.sendRawTransaction(tx.serialize(), {
    skipPreflight: opts.skipPreflight ?? false,
    preflightCommitment: 'processed' as Commitment,
  });
  net.advanceSlots(opts.slots ?? 1);
  return sig;
}

export async function fundedKeypair(net: Localnet, conn: Connection, sol = 10): Promise<Keypair> {
  const kp = Keypair.generate();
  await conn.requestAirdrop(kp.publicKey, sol * LAMPORTS_PER_SOL);
  net.advanceSlots(1);
  return kp;
}

/** A finished NFT (supply 1, decimals 0, no mint authority) minted to `owner`'s associated account in one landed transaction. */
export async function mintNft(
  net: Localnet,
  conn: Connection,
  payer: Keypair,
  owner: PublicKey,
  opts: { mint?: Keypair; slots?: number } = {},
): Promise<{ mint: PublicKey; account: PublicKey }> {
  const mint = opts.mint ?? Keypair.generate();
  const account = getAssociatedTokenAddressSync(mint.publicKey, owner);
  const rent = await conn.getMinimumBalanceForRentExemption(MINT_SIZE);
  await land(net, conn, createNftTx(payer.publicKey, mint.publicKey, owner, rent), [payer, mint], opts.slots === undefined ? {} : { slots: opts.slots });
  return { mint: mint.publicKey, account };
}

/** Waits on an in-process chain: its events come within milliseconds of the slot that makes them. */
export const soon: WaitOptions = { timeoutMs: 3000, everyMs: 10 };
