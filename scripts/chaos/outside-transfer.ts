// A transfer the platform never asked for: an outside wallet moves its NFT itself, straight on
// chain, as a holder with their own wallet app would. It retries through the campaign's chain
// faults (dropped transactions, delayed or failing methods). It cannot land twice: once one
// attempt moved the token, any other fails on chain (the holder has none left).
import { createAssociatedTokenAccountIdempotentInstruction, createTransferInstruction, getAssociatedTokenAddressSync } from '@solana/spl-token';
import { type Connection, type Keypair, PublicKey, Transaction } from '@solana/web3.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { base58 } from '../../services/lib/solana/base58.ts';

export interface OutsideTransferOutcome {
  landed: boolean;
  signatures: string[];
  /** Why it did not land: the chain's error, or attempts run out. */
  why?: string;
}

const MAX_ATTEMPTS = 5;

async function statusOf(connection: Connection, signatures: string[]): Promise<'ok' | 'err' | 'none'> {
  const { value } = await connection.getSignatureStatuses(signatures, { searchTransactionHistory: true });
  const seen = value.filter((s) => s !== null && (s.confirmationStatus === 'confirmed' || s.confirmationStatus === 'finalized'));
  if (seen.some((s) => s!.err === null)) return 'ok';
  return seen.length > 0 ? 'err' : 'none';
}

export async function outsideTransfer(connection: Connection, holder: Keypair, mint: string, to: string, deadline: number): Promise<OutsideTransferOutcome> {
  const mintKey = new PublicKey(mint);
  const toKey = new PublicKey(to);
  const signatures: string[] = [];
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && Date.now() < deadline; attempt++) {
    try {
      const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash('confirmed');
      const tx = new Transaction({ feePayer: holder.publicKey, blockhash, lastValidBlockHeight }).add(
        createAssociatedTokenAccountIdempotentInstruction(holder.publicKey, getAssociatedTokenAddressSync(mintKey, toKey), toKey, mintKey),
        createTransferInstruction(getAssociatedTokenAddressSync(mintKey, holder.publicKey), getAssociatedTokenAddressSync(mintKey, toKey), holder.publicKey, 1),
      );
      tx.sign(holder);
      const raw = tx.serialize();
      // Recorded before it is sent: an answer lost to a fault must not lose the signature.
      signatures.push(base58(tx.signature!));
      await connection.sendRawTransaction(raw, { skipPreflight: true, maxRetries: 0 });
      // Rebroadcast the same bytes until it is seen or its blockhash expired.
      for (;;) {
        await sleep(1_000);
        const status = await statusOf(connection, signatures).catch(() => 'none' as const);
        if (status === 'ok') return { landed: true, signatures };
        if (status === 'err') return { landed: false, signatures, why: 'failed on chain' };
        const height = await connection.getBlockHeight('confirmed').catch(() => 0);
        if (height > lastValidBlockHeight || Date.now() > deadline) break;
        await connection.sendRawTransaction(raw, { skipPreflight: true, maxRetries: 0 }).catch(() => undefined);
      }
    } catch {
      // A failing or delayed RPC method: the next attempt asks again; a signature already sent is still checked.
      await sleep(1_000);
    }
  }
  // The last word is the chain's: an attempt may have landed after all.
  const final = signatures.length ? await statusOf(connection, signatures).catch(() => 'none' as const) : 'none';
  return final === 'ok' ? { landed: true, signatures } : { landed: false, signatures, why: final === 'err' ? 'failed on chain' : 'no attempt landed' };
}
