// The transactions of an NFT ticket's life, built from plain inputs. The platform authority
// pays every fee; custodial owners sign transfers and burns of what they hold.
import { PublicKey, SystemProgram, Transaction, type Keypair } from '@solana/web3.js';
import {
  AuthorityType,
  MINT_SIZE,
  TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  createBurnCheckedInstruction,
  createCloseAccountInstruction,
  createInitializeMint2Instruction,
  createMintToInstruction,
  createSetAuthorityInstruction,
  createTransferCheckedInstruction,
  getAssociatedTokenAddressSync,
} from '@solana/spl-token';
import { getBase58Decoder } from '@solana/kit';
import { mintSeed } from './mint-address.ts';

const base58 = getBase58Decoder();

export interface Blockhash {
  blockhash: string;
  lastValidBlockHeight: number;
}

export interface SignedTx {
  signature: string;
  bytes: Uint8Array;
}

const ata = (mint: PublicKey, owner: PublicKey) => getAssociatedTokenAddressSync(mint, owner, true);

function signed(tx: Transaction, signers: Keypair[]): SignedTx {
  tx.sign(...signers);
  const sig = tx.signature;
  if (!sig) throw new Error('transaction has no signature after signing');
  return { signature: base58.decode(sig), bytes: new Uint8Array(tx.serialize()) };
}

/**
 * Creates the mint at its deterministic address (createAccountWithSeed: a retry can never make a
 * second NFT, the address is taken), mints 1 to the recipient and removes the mint authority:
 * an NFT with supply 1 that nobody can mint more of.
 */
export function buildMintTx(p: { authority: Keypair; ticketId: string; mint: PublicKey; to: PublicKey; rentLamports: number; blockhash: Blockhash }): SignedTx {
  const authority = p.authority.publicKey;
  const toAta = ata(p.mint, p.to);
  const tx = new Transaction({ feePayer: authority, ...p.blockhash }).add(
    SystemProgram.createAccountWithSeed({
      fromPubkey: authority,
      basePubkey: authority,
      seed: mintSeed(p.ticketId),
      newAccountPubkey: p.mint,
      lamports: p.rentLamports,
      space: MINT_SIZE,
      programId: TOKEN_PROGRAM_ID,
    }),
    createInitializeMint2Instruction(p.mint, 0, authority, null),
    createAssociatedTokenAccountIdempotentInstruction(authority, toAta, p.to, p.mint),
    createMintToInstruction(p.mint, toAta, authority, 1),
    createSetAuthorityInstruction(p.mint, authority, AuthorityType.MintTokens, null),
  );
  return signed(tx, [p.authority]);
}

/** Moves the NFT from a custodial wallet to `to`; the emptied account's rent goes back to the authority. */
export function buildTransferTx(p: { authority: Keypair; owner: Keypair; mint: PublicKey; to: PublicKey; blockhash: Blockhash }): SignedTx {
  const authority = p.authority.publicKey;
  const fromAta = ata(p.mint, p.owner.publicKey);
  const toAta = ata(p.mint, p.to);
  const tx = new Transaction({ feePayer: authority, ...p.blockhash }).add(
    createAssociatedTokenAccountIdempotentInstruction(authority, toAta, p.to, p.mint),
    createTransferCheckedInstruction(fromAta, p.mint, toAta, p.owner.publicKey, 1, 0),
    createCloseAccountInstruction(fromAta, authority, p.owner.publicKey),
  );
  return signed(tx, [p.authority, p.owner]);
}

/** Burns the NFT held by a custodial wallet and closes its token account. */
export function buildBurnTx(p: { authority: Keypair; owner: Keypair; mint: PublicKey; blockhash: Blockhash }): SignedTx {
  const authority = p.authority.publicKey;
  const fromAta = ata(p.mint, p.owner.publicKey);
  const tx = new Transaction({ feePayer: authority, ...p.blockhash }).add(
    createBurnCheckedInstruction(fromAta, p.mint, p.owner.publicKey, 1, 0),
    createCloseAccountInstruction(fromAta, authority, p.owner.publicKey),
  );
  return signed(tx, [p.authority, p.owner]);
}

export { ata as tokenAccountOf };
