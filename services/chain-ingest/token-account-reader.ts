// chain-ingest's reads of token accounts at a commitment, each tagged with the slot it reflects
// (the RPC's context slot), so they can be merged with stream notifications by slot. Through the
// RPC pool: failures come out classified (retryable or not) and have been retried already.
import { PublicKey, type Commitment as Web3Commitment } from '@solana/web3.js';
import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { programAccounts, type KeyedData } from '../lib/solana/program-accounts.ts';
import type { RpcPool } from '../lib/solana/rpc-pool.ts';
import { decodeMintAccount, decodeTokenAccount, TOKEN_ACCOUNT_SIZE, type MintAccountData, type TokenAccountData } from '../lib/solana/token-accounts.ts';
import type { TokenObservation } from './holding.ts';

/** Every live token account of one mint at `slot`; an account not listed does not exist then. */
export interface MintScan {
  mint: string;
  slot: number;
  accounts: TokenObservation[];
}

/** The token-account reads the ingestor needs (chain-ingest's side; the reconciler has its own). */
export interface TokenAccountReader {
  scan(mints: readonly string[], commitment: Web3Commitment): Promise<MintScan[]>;
  /** Token accounts by address (null: closed or not a token account), each batch with its slot. */
  readTokenAccounts(
    addresses: readonly string[],
    commitment: Web3Commitment,
  ): Promise<Array<{ address: string; slot: number; account: TokenAccountData | null }>>;
  /** Mint accounts by address (null: no account there, or not a mint), each batch with its slot. */
  readMints(addresses: readonly string[], commitment: Web3Commitment): Promise<Array<{ address: string; slot: number; mint: MintAccountData | null }>>;
  tipSlot(): Promise<number>;
}

export interface ReaderOptions {
  /** Filtered reads in flight at once. */
  concurrency?: number;
}

function observations(rows: readonly KeyedData[], slot: number, wanted: ReadonlySet<string> | null): TokenObservation[] {
  const out: TokenObservation[] = [];
  for (const { pubkey, data } of rows) {
    const t = decodeTokenAccount(data);
    if (!t || (wanted && !wanted.has(t.mint))) continue;
    out.push({ mint: t.mint, tokenAccount: pubkey, owner: t.owner, amount: t.amount, slot });
  }
  return out;
}

export function rpcTokenAccountReader(rpc: RpcPool, opts: ReaderOptions = {}): TokenAccountReader {
  const concurrency = opts.concurrency ?? 4;
  const TOKEN = TOKEN_PROGRAM_ID.toBase58();

  async function scanOne(mint: string, commitment: Web3Commitment): Promise<MintScan> {
    const res = await programAccounts(rpc, TOKEN, { commitment, filters: [{ dataSize: TOKEN_ACCOUNT_SIZE }, { memcmp: { offset: 0, bytes: mint } }] });
    return { mint, slot: res.slot, accounts: observations(res.accounts, res.slot, null) };
  }

  /** Token-program accounts by address in batches of 100, each decoded (null: absent or not of that kind) and tagged with its batch's slot. */
  async function readAccounts<T>(
    addresses: readonly string[],
    commitment: Web3Commitment,
    decode: (data: Uint8Array) => T | null,
  ): Promise<Array<{ address: string; slot: number; account: T | null }>> {
    const out: Array<{ address: string; slot: number; account: T | null }> = [];
    for (let i = 0; i < addresses.length; i += 100) {
      const batch = addresses.slice(i, i + 100);
      const res = await rpc.call('getMultipleAccounts', (conn) =>
        conn.getMultipleAccountsInfoAndContext(
          batch.map((a) => new PublicKey(a)),
          commitment,
        ),
      );
      batch.forEach((address, j) => {
        const info = res.value[j];
        out.push({ address, slot: res.context.slot, account: info && info.owner.equals(TOKEN_PROGRAM_ID) ? decode(info.data) : null });
      });
    }
    return out;
  }

  return {
    async scan(mints, commitment) {
      // One read per mint, filtered by it: never a read of the whole Token program, which a
      // hosted provider refuses and whose cost grows with everybody else's accounts.
      if (mints.length === 0) return [];
      const out: MintScan[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(concurrency, mints.length) }, async () => {
          while (next < mints.length) out.push(await scanOne(mints[next++]!, commitment));
        }),
      );
      return out;
    },
    readTokenAccounts: (addresses, commitment) => readAccounts(addresses, commitment, decodeTokenAccount),
    readMints: (addresses, commitment) =>
      readAccounts(addresses, commitment, decodeMintAccount).then((rows) => rows.map(({ address, slot, account }) => ({ address, slot, mint: account }))),
    tipSlot: () => rpc.call('getSlot', (conn) => conn.getSlot('processed')),
  };
}
