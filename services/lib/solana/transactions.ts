// The transactions of an NFT ticket's life, built from plain inputs. The platform authority
// pays every fee; custodial owners sign transfers and burns of what they hold.
import { type PublicKey, SystemProgram, type Keypair, type TransactionInstruction } from '@solana/web3.js';
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
  ASSOCIATED_TOKEN_PROGRAM_ID,
} from '@solana/spl-token';
import { computeBudgetInstructions, type ComputeBudget } from './compute-budget.ts';
import { mintSeed } from './mint-address.ts';
import { findProgramAddress } from './pda.ts';
import { signTransaction, type SignedTx } from './signing.ts';

export interface Blockhash {
  blockhash: string;
  lastValidBlockHeight: number;
}

export type { SignedTx };

/** getAssociatedTokenAddressSync(mint, owner, true), derived a few times faster (pda.ts). */
const TOKEN_PROGRAM_BYTES = TOKEN_PROGRAM_ID.toBytes();
const ata = (mint: PublicKey, owner: PublicKey) => findProgramAddress([owner.toBytes(), TOKEN_PROGRAM_BYTES, mint.toBytes()], ASSOCIATED_TOKEN_PROGRAM_ID)[0];

/** What every transaction here is built with: who pays, the blockhash, and optionally the compute budget it asks for. */
interface Common {
  authority: Keypair;
  blockhash: Blockhash;
  /** Compute-unit limit and price, as the first two instructions; none: the chain's defaults and no priority fee. */
  budget?: ComputeBudget;
}

/** The authority pays and signs first; `others` sign after it. */
function signed(p: Common, others: Keypair[], ...instructions: TransactionInstruction[]): SignedTx {
  return signTransaction({
    feePayer: p.authority.publicKey,
    instructions: p.budget ? [...computeBudgetInstructions(p.budget), ...instructions] : instructions,
    recentBlockhash: p.blockhash.blockhash,
    signers: [p.authority, ...others],
  });
}

/**
 * Creates the mint at its deterministic address (createAccountWithSeed: a retry can never make a
 * second NFT, the address is taken), mints 1 to the recipient and removes the mint authority:
 * an NFT with supply 1 that nobody can mint more of.
 */
export function buildMintTx(p: Common & { ticketId: string; mint: PublicKey; to: PublicKey; rentLamports: number }): SignedTx {
  const authority = p.authority.publicKey;
  return signed(
    p,
    [],
    SystemProgram.createAccountWithSeed({
      fromPubkey: authority,
      basePubkey: authority,
      seed: mintSeed(p.ticketId),
      newAccountPubkey: p.mint,
      lamports: p.rentLamports,
      space: MINT_SIZE,
      programId: TOKEN_PROGRAM_ID,
    }),
    ...nftInstructions(authority, p.mint, p.to),
  );
}

/**
 * What turns a created (empty) mint account into an NFT held by `owner`: initialize with 0
 * decimals, mint 1 to the owner's associated account, remove the mint authority. `authority`
 * pays and is the mint authority until the last instruction.
 */
export function nftInstructions(authority: PublicKey, mint: PublicKey, owner: PublicKey): TransactionInstruction[] {
  const account = ata(mint, owner);
  return [
    createInitializeMint2Instruction(mint, 0, authority, null),
    createAssociatedTokenAccountIdempotentInstruction(authority, account, owner, mint),
    createMintToInstruction(mint, account, authority, 1),
    createSetAuthorityInstruction(mint, authority, AuthorityType.MintTokens, null),
  ];
}

/** Moves the NFT from a custodial wallet to `to`; the emptied account's rent goes back to the authority. */
export function buildTransferTx(p: Common & { owner: Keypair; mint: PublicKey; to: PublicKey }): SignedTx {
  const authority = p.authority.publicKey;
  const fromAta = ata(p.mint, p.owner.publicKey);
  const toAta = ata(p.mint, p.to);
  return signed(
    p,
    [p.owner],
    createAssociatedTokenAccountIdempotentInstruction(authority, toAta, p.to, p.mint),
    createTransferCheckedInstruction(fromAta, p.mint, toAta, p.owner.publicKey, 1, 0),
    createCloseAccountInstruction(fromAta, authority, p.owner.publicKey),
  );
}

/** Burns the NFT held by a custodial wallet and closes its token account. */
export function buildBurnTx(p: Common & { owner: Keypair; mint: PublicKey }): SignedTx {
  const authority = p.authority.publicKey;
  const fromAta = ata(p.mint, p.owner.publicKey);
  return signed(
    p,
    [p.owner],
    createBurnCheckedInstruction(fromAta, p.mint, p.owner.publicKey, 1, 0),
    createCloseAccountInstruction(fromAta, authority, p.owner.publicKey),
  );
}

export { ata as tokenAccountOf };
