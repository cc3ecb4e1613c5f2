// The campaign's own wallets: custodial ones registered with the platform (it signs for them)
// and outside ones the campaign holds keys for, funded so they can pay their own fees. Every
// fault scoped to "the campaign's accounts" names one of these.
import { randomInt } from 'node:crypto';
import { type Connection, Keypair, LAMPORTS_PER_SOL, type PublicKey } from '@solana/web3.js';
import { registerCustodialWallet } from '../../api/tickets.ts';
import type { Queryable } from '../../services/lib/db.ts';
import { custodialKeypair } from '../../services/lib/solana/keys.ts';
import type { Wallets } from './workload.ts';

export interface CampaignWallets {
  /** Wallet number (as the plan numbers them) to address. */
  address(wallet: number): string;
  /** The keypair of an outside wallet; undefined for a custodial one (the platform signs for those). */
  outsideKey(wallet: number): Keypair | undefined;
}

export async function createCampaignWallets(
  db: Queryable,
  connection: Connection,
  masterSeed: Uint8Array,
  counts: Wallets,
  label: string,
): Promise<CampaignWallets> {
  const custodial: PublicKey[] = [];
  for (let i = 0; i < counts.custodial; i++) {
    const index = randomInt(1_000_000, 2_000_000_000);
    const kp = custodialKeypair(masterSeed, index);
    await registerCustodialWallet(db, { address: kp.publicKey.toBase58(), derivationIndex: index, label: `${label}-c${i}` });
    custodial.push(kp.publicKey);
  }
  const outside = Array.from({ length: counts.outside }, () => Keypair.generate());
  await Promise.all(
    outside.map(async (kp) => {
      const sig = await connection.requestAirdrop(kp.publicKey, 10 * LAMPORTS_PER_SOL);
      await connection.confirmTransaction(sig, 'confirmed');
    }),
  );
  return {
    address: (w) => (w < counts.custodial ? custodial[w]! : outside[w - counts.custodial]!.publicKey).toBase58(),
    outsideKey: (w) => (w < counts.custodial ? undefined : outside[w - counts.custodial]),
  };
}
