import { SystemProgram, Transaction, type PublicKey } from '@solana/web3.js';
import { MINT_SIZE, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { nftInstructions } from '../../services/lib/solana/transactions.ts';

/** One transaction that creates `mint` and makes it a finished NFT (supply 1, decimals 0, no mint authority) held by `owner`. */
export function createNftTx(payer: PublicKey, mint: PublicKey, owner: PublicKey, rentLamports: number): Transaction {
  return new Transaction().add(
    SystemProgram.createAccount({ fromPubkey: payer, newAccountPubkey: mint, lamports: rentLamports, space: MINT_SIZE, programId: TOKEN_PROGRAM_ID }),
    ...nftInstructions(payer, mint, owner),
  );
}
