// The chain side of a full reconciliation: the tracked mints and their token accounts read in
// chunks of at most 100 keys per getMultipleAccounts call, several calls in flight. Only mints
// whose NFT left its known token account cost an extra lookup (getTokenLargestAccounts).
import { PublicKey, type Connection } from '@solana/web3.js';
import { errorMessage, RetryableError } from '../lib/errors.ts';
import { retry } from '../lib/retry.ts';
import { decodeMintAccount, decodeTokenAccount } from '../lib/solana/token-accounts.ts';
import { tokenAccountOf } from '../lib/solana/transactions.ts';

export interface TrackedMint {
  mint: string;
  /** Where the NFT was last seen (previous run, the projection), if known. */
  tokenAccount: string | null;
  /** The owner the database claims (or, before any is projected, the receiver of the last settled operation): its associated token account is the next guess. */
  dbOwner: string | null;
  /** What the last run stored for this mint (reconciler_mints). */
  remembered?: { owner: string | null; tokenAccount: string | null } | null;
}

export interface ChainRow {
  mint: string;
  present: boolean;
  owner: string | null;
  tokenAccount: string | null;
  slot: number;
}

/** The two chain reads the snapshot needs; web3.js in production, fakes in unit tests. */
export interface ChainReader {
  getMultiple(keys: string[]): Promise<{ slot: number; data: Array<Uint8Array | null> }>;
  /** Token accounts of a mint holding a non-zero amount. */
  holders(mint: string): Promise<string[]>;
}

export function web3ChainReader(connection: Connection): ChainReader {
  return {
    async getMultiple(keys) {
      const res = await connection.getMultipleAccountsInfoAndContext(keys.map((k) => new PublicKey(k)), { commitment: 'confirmed' });
      return { slot: res.context.slot, data: res.value.map((a) => (a ? new Uint8Array(a.data) : null)) };
    },
    async holders(mint) {
      const res = await connection.getTokenLargestAccounts(new PublicKey(mint), 'confirmed');
      return res.value.filter((h) => h.amount !== '0').map((h) => h.address.toBase58());
    },
  };
}

export interface SnapshotOptions {
  /** Keys per getMultipleAccounts call (the RPC's limit is 100). */
  chunkKeys: number;
  concurrency: number;
  /** Epoch ms after which no new chunk is started: the run records partial results. */
  deadline: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface Snapshot {
  rows: ChainRow[];
  failed: Array<{ mint: string; error: string }>;
  /** Mints not read because the deadline passed. */
  skipped: number;
  /** The lowest context slot among the calls: every row is at least this recent. */
  slot: number | null;
}

const retryable = (err: unknown) => !(err instanceof TypeError);
const withRetry = <T>(fn: () => Promise<T>, signal?: AbortSignal) =>
  retry(fn, { retryable, policy: { initialMs: 100, maxMs: 1_000, multiplier: 2, jitter: 0.5, maxAttempts: 3 }, ...(signal ? { signal } : {}) });

function guessTokenAccount(m: TrackedMint): string | null {
  if (m.tokenAccount) return m.tokenAccount;
  if (!m.dbOwner) return null;
  try {
    return tokenAccountOf(new PublicKey(m.mint), new PublicKey(m.dbOwner)).toBase58();
  } catch {
    return null; // a malformed owner in the database: the holder lookup finds the real one
  }
}

/**
 * Reads one chunk. The NFT is looked for where it was last seen (one key per mint): a token
 * account holding it proves the mint exists, so the mint accounts are read only for the mints not
 * found there, and the holders are looked up only for those that still have a supply.
 */
async function readChunk(reader: ChainReader, mints: TrackedMint[], deadline: number, signal?: AbortSignal): Promise<{ rows: ChainRow[]; slot: number; failed: Snapshot['failed'] }> {
  const rows: ChainRow[] = [];
  const failed: Snapshot['failed'] = [];
  const guesses = mints.map(guessTokenAccount);
  const withGuess = mints.flatMap((m, i) => (guesses[i] ? [{ m, account: guesses[i]! }] : []));
  let slot: number | null = null;
  const unresolved: TrackedMint[] = mints.filter((_, i) => !guesses[i]);
  if (withGuess.length) {
    const res = await withRetry(() => reader.getMultiple(withGuess.map((g) => g.account)), signal);
    slot = res.slot;
    withGuess.forEach((g, i) => {
      const data = res.data[i];
      const tok = data ? decodeTokenAccount(data) : null;
      if (tok && tok.mint === g.m.mint && tok.amount > 0n) rows.push({ mint: g.m.mint, present: true, owner: tok.owner, tokenAccount: g.account, slot: res.slot });
      else unresolved.push(g.m);
    });
  }
  if (unresolved.length) {
    const res = await withRetry(() => reader.getMultiple(unresolved.map((m) => m.mint)), signal);
    slot = slot === null ? res.slot : Math.min(slot, res.slot);
    for (const [i, m] of unresolved.entries()) {
      try {
        if (Date.now() >= deadline) throw new Error('run deadline passed before this mint was located');
        const data = res.data[i];
        const mintAcc = data ? decodeMintAccount(data) : null;
        if (!mintAcc) rows.push({ mint: m.mint, present: false, owner: null, tokenAccount: null, slot: res.slot });
        else if (mintAcc.supply === 0n) rows.push({ mint: m.mint, present: true, owner: null, tokenAccount: null, slot: res.slot });
        else rows.push(await locateHolder(reader, m.mint, res.slot, signal));
      } catch (err) {
        // One mint's failure is isolated: it is counted, the rest of the chunk stands.
        failed.push({ mint: m.mint, error: errorMessage(err) });
      }
    }
  }
  return { rows, slot: slot ?? 0, failed };
}

async function locateHolder(reader: ChainReader, mint: string, slot: number, signal?: AbortSignal): Promise<ChainRow> {
  const holders = await withRetry(() => reader.holders(mint), signal);
  if (holders.length === 0) return { mint, present: true, owner: null, tokenAccount: null, slot };
  const { data } = await withRetry(() => reader.getMultiple(holders.slice(0, 1)), signal);
  const tok = data[0] ? decodeTokenAccount(data[0]) : null;
  if (!tok) throw new RetryableError(`holder account of ${mint} could not be read`, { mint });
  return { mint, present: true, owner: tok.owner, tokenAccount: holders[0]!, slot };
}

/** Splits the mints so each call carries at most `chunkKeys` keys (one per mint). */
export function chunkMints(mints: TrackedMint[], chunkKeys: number): TrackedMint[][] {
  const per = Math.max(1, chunkKeys);
  const out: TrackedMint[][] = [];
  for (let i = 0; i < mints.length; i += per) out.push(mints.slice(i, i + per));
  return out;
}

export async function snapshotChain(reader: ChainReader, mints: TrackedMint[], o: SnapshotOptions): Promise<Snapshot> {
  const chunks = chunkMints(mints, o.chunkKeys);
  const rows: ChainRow[] = [];
  const failed: Snapshot['failed'] = [];
  let slot: number | null = null;
  let next = 0;
  let done = 0;
  let skipped = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const chunk = chunks[i];
      if (!chunk) return;
      if (Date.now() >= o.deadline || o.signal?.aborted) {
        skipped += chunk.length;
        continue;
      }
      try {
        const r = await readChunk(reader, chunk, o.deadline, o.signal);
        rows.push(...r.rows);
        failed.push(...r.failed);
        slot = slot === null ? r.slot : Math.min(slot, r.slot);
      } catch (err) {
        for (const m of chunk) failed.push({ mint: m.mint, error: errorMessage(err) });
      }
      done += chunk.length;
      o.onProgress?.(done, mints.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  return { rows, failed, skipped, slot };
}
