// Reads of the chain at a commitment, each tagged with the slot it reflects (the RPC's context
// slot), so they can be merged with stream notifications by slot.
import { PublicKey, type Commitment as Web3Commitment, type Connection } from '@solana/web3.js';
import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { RetryableError } from '../lib/errors.ts';
import { decodeTokenAccount, TOKEN_ACCOUNT_SIZE, type TokenAccountData } from '../lib/solana/token-accounts.ts';
import type { TokenObservation } from './holding.ts';

/** Every live token account of one mint at `slot`; an account not listed does not exist then. */
export interface MintScan {
  mint: string;
  slot: number;
  accounts: TokenObservation[];
}

export interface ChainReader {
  scan(mints: readonly string[], commitment: Web3Commitment): Promise<MintScan[]>;
  /** Token accounts by address (null: closed or not a token account), each batch with its slot. */
  readTokenAccounts(addresses: readonly string[], commitment: Web3Commitment): Promise<Array<{ address: string; slot: number; account: TokenAccountData | null }>>;
  /** Which of these addresses hold an account (of any kind) at `commitment`. */
  existing(addresses: readonly string[], commitment: Web3Commitment): Promise<Set<string>>;
  tipSlot(): Promise<number>;
}

export interface ReaderOptions {
  /** From this many mints on, one unfiltered read of all token accounts is cheaper than one read per mint. */
  scanThreshold: number;
  concurrency?: number;
}

type Keyed = { pubkey: PublicKey; account: { data: Buffer } };

function observations(rows: readonly Keyed[], slot: number, wanted: ReadonlySet<string> | null): TokenObservation[] {
  const out: TokenObservation[] = [];
  for (const { pubkey, account } of rows) {
    const t = decodeTokenAccount(account.data);
    if (!t || (wanted && !wanted.has(t.mint))) continue;
    out.push({ mint: t.mint, tokenAccount: pubkey.toBase58(), owner: t.owner, amount: t.amount, slot });
  }
  return out;
}

export function rpcChainReader(conn: Connection, opts: ReaderOptions): ChainReader {
  const concurrency = opts.concurrency ?? 4;
  const wrap = <T>(what: string, p: Promise<T>, context: Record<string, unknown>) =>
    p.catch((err: unknown) => {
      throw new RetryableError(`${what} failed: ${(err as Error).message}`, context, err);
    });

  async function scanOne(mint: string, commitment: Web3Commitment): Promise<MintScan> {
    const res = await wrap(
      'getProgramAccounts(mint)',
      conn.getProgramAccounts(TOKEN_PROGRAM_ID, {
        commitment,
        withContext: true,
        filters: [{ dataSize: TOKEN_ACCOUNT_SIZE }, { memcmp: { offset: 0, bytes: mint } }],
      }),
      { mint },
    );
    return { mint, slot: res.context.slot, accounts: observations(res.value, res.context.slot, null) };
  }

  async function scanAll(mints: readonly string[], commitment: Web3Commitment): Promise<MintScan[]> {
    const res = await wrap(
      'getProgramAccounts(all token accounts)',
      conn.getProgramAccounts(TOKEN_PROGRAM_ID, { commitment, withContext: true, filters: [{ dataSize: TOKEN_ACCOUNT_SIZE }] }),
      { mints: mints.length },
    );
    const slot = res.context.slot;
    const byMint = new Map<string, TokenObservation[]>(mints.map((m) => [m, []]));
    for (const o of observations(res.value, slot, new Set(mints))) byMint.get(o.mint)?.push(o);
    return [...byMint].map(([mint, accounts]) => ({ mint, slot, accounts }));
  }

  return {
    async scan(mints, commitment) {
      if (mints.length === 0) return [];
      if (mints.length >= opts.scanThreshold) return scanAll(mints, commitment);
      const out: MintScan[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(concurrency, mints.length) }, async () => {
          while (next < mints.length) out.push(await scanOne(mints[next++]!, commitment));
        }),
      );
      return out;
    },
    async readTokenAccounts(addresses, commitment) {
      const out: Array<{ address: string; slot: number; account: TokenAccountData | null }> = [];
      for (let i = 0; i < addresses.length; i += 100) {
        const batch = addresses.slice(i, i + 100);
        const res = await wrap('getMultipleAccounts', conn.getMultipleAccountsInfoAndContext(batch.map((a) => new PublicKey(a)), commitment), { accounts: batch.length });
        batch.forEach((address, j) => {
          const info = res.value[j];
          out.push({ address, slot: res.context.slot, account: info && info.owner.equals(TOKEN_PROGRAM_ID) ? decodeTokenAccount(info.data) : null });
        });
      }
      return out;
    },
    async existing(addresses, commitment) {
      const out = new Set<string>();
      for (let i = 0; i < addresses.length; i += 100) {
        const batch = addresses.slice(i, i + 100);
        // A zero-byte slice: only whether each account is there matters, not its data.
        const res = await wrap('getMultipleAccounts', conn.getMultipleAccountsInfo(batch.map((a) => new PublicKey(a)), { commitment, dataSlice: { offset: 0, length: 0 } }), { accounts: batch.length });
        batch.forEach((address, j) => {
          if (res[j]) out.add(address);
        });
      }
      return out;
    },
    tipSlot: () => wrap('getSlot', conn.getSlot('processed'), {}),
  };
}

export const isMintAddress = (s: string) => {
  try {
    return new PublicKey(s).toBase58() === s;
  } catch {
    return false;
  }
};
