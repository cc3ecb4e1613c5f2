// Bulk state for benchmarks and fixtures: NFT mints and their holders' token accounts written
// straight into state, without transactions.
import { PublicKey } from '@solana/web3.js';
import type { AccountSnap } from './accounts.ts';
import type { Chain } from './chain.ts';
import { ASSOCIATED_TOKEN_PROGRAM, encodeMint, encodeTokenAccount, MINT_SIZE, TOKEN_ACCOUNT_SIZE, TOKEN_PROGRAM } from './token.ts';

export interface NftHolding {
  mint: string;
  owner: string;
  /** Defaults to the owner's associated token account. */
  tokenAccount?: string;
}

export interface SeededHolding {
  mint: string;
  owner: string;
  tokenAccount: string;
}

const TOKEN_PROGRAM_KEY = new PublicKey(TOKEN_PROGRAM);
const ATA_PROGRAM_KEY = new PublicKey(ASSOCIATED_TOKEN_PROGRAM);

export function associatedTokenAddress(owner: string, mint: string): string {
  return PublicKey.findProgramAddressSync(
    [new PublicKey(owner).toBuffer(), TOKEN_PROGRAM_KEY.toBuffer(), new PublicKey(mint).toBuffer()],
    ATA_PROGRAM_KEY,
  )[0].toBase58();
}

/** Each mint gets supply 1, decimals 0 and no mint authority: a finished NFT. */
export function seedNftHoldings(chain: Chain, holdings: readonly NftHolding[]): SeededHolding[] {
  const mintRent = chain.svm.minimumBalanceForRentExemption(BigInt(MINT_SIZE));
  const accountRent = chain.svm.minimumBalanceForRentExemption(BigInt(TOKEN_ACCOUNT_SIZE));
  const writes: Array<[string, AccountSnap]> = [];
  const out: SeededHolding[] = [];
  for (const h of holdings) {
    const tokenAccount = h.tokenAccount ?? associatedTokenAddress(h.owner, h.mint);
    writes.push([
      h.mint,
      {
        lamports: mintRent,
        owner: TOKEN_PROGRAM,
        executable: false,
        data: encodeMint({ mintAuthority: null, supply: 1n, decimals: 0, isInitialized: true, freezeAuthority: null }),
      },
    ]);
    writes.push([
      tokenAccount,
      {
        lamports: accountRent,
        owner: TOKEN_PROGRAM,
        executable: false,
        data: encodeTokenAccount({
          mint: h.mint,
          owner: h.owner,
          amount: 1n,
          delegate: null,
          state: 'initialized',
          isNative: null,
          delegatedAmount: 0n,
          closeAuthority: null,
        }),
      },
    ]);
    out.push({ mint: h.mint, owner: h.owner, tokenAccount });
  }
  chain.seedAccounts(writes);
  return out;
}
