// The chain side of a full reconciliation, two ways to the same snapshot:
// - chunks: the tracked mints and their token accounts read in chunks of at most 100 keys per
//   getMultipleAccounts call, several calls in flight. Only mints whose NFT left its known token
//   account cost an extra lookup (getTokenLargestAccounts). Cost grows with the tracked mints:
//   right for a public cluster, where the Token program holds hundreds of millions of accounts.
// - scan: one getProgramAccounts over the Token program for the accounts holding exactly one
//   token (dataSize + memcmp filters, only mint and owner sliced out), with its context slot;
//   the tracked mints it does not settle (burned, missing, moved to several accounts) go the
//   chunk way. Cost grows with the cluster's NFT holders: right for a local or private cluster,
//   or an RPC that indexes the Token program.
import { PublicKey } from '@solana/web3.js';
import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { getBase58Decoder } from '@solana/kit';
import { errorMessage, isRetryable, PermanentError, RetryableError } from '../lib/errors.ts';
import { base58 } from '../lib/solana/base58.ts';
import { programAccounts, type KeyedData } from '../lib/solana/program-accounts.ts';
import type { RpcPool } from '../lib/solana/rpc-pool.ts';
import { decodeMintAccount, decodeTokenAccount, TOKEN_ACCOUNT_SIZE } from '../lib/solana/token-accounts.ts';
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

/** A token account holding exactly one token of its mint. */
export interface Holder {
  mint: string;
  owner: string;
  tokenAccount: string;
}

/**
 * The chain reads a holder snapshot needs (the reconciler's side; chain-ingest has its own):
 * through the RPC pool in production, fakes in unit tests.
 */
export interface HolderSnapshotReader {
  getMultiple(keys: string[]): Promise<{ slot: number; data: Array<Uint8Array | null> }>;
  /** Token accounts of a mint holding a non-zero amount. */
  holders(mint: string): Promise<string[]>;
  /** Every Token-program account holding exactly one token, all at one slot. */
  scanHolders?(): Promise<{ slot: number; holders: Holder[] }>;
  /** Genesis hash of the cluster, to tell a public cluster from a private one. */
  genesisHash?(): Promise<string>;
}

/** Where scanning the whole Token program is not viable (and public RPCs refuse it). */
export const PUBLIC_CLUSTERS: ReadonlyMap<string, string> = new Map([
  ['5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d', 'mainnet-beta'],
  ['EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG', 'devnet'],
  ['4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY', 'testnet'],
]);

export const SNAPSHOT_STRATEGIES = ['auto', 'scan', 'chunks'] as const;
export type SnapshotStrategy = (typeof SNAPSHOT_STRATEGIES)[number];

// amount (u64 LE at offset 64) = 1, in base58 as memcmp wants it.
const AMOUNT_ONE = getBase58Decoder().decode(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0));
const AMOUNT_OFFSET = 64;

/** Mint and owner of each sliced account (bytes 0..64 of the token account layout). */
function holdersOf(accounts: readonly KeyedData[]): Holder[] {
  const out: Holder[] = [];
  for (const { pubkey, data } of accounts) {
    if (data.length !== 64) throw new PermanentError(`getProgramAccounts returned ${data.length} bytes for ${pubkey}, asked for 64`);
    out.push({ mint: base58(data.subarray(0, 32)), owner: base58(data.subarray(32, 64)), tokenAccount: pubkey });
  }
  return out;
}

/**
 * The snapshot's reads through the RPC pool: failures come out classified (retryable or not),
 * and the retryable ones have been retried already, failing over between endpoints.
 */
export function rpcHolderSnapshotReader(rpc: RpcPool, opts: { scanTimeoutMs?: number } = {}): HolderSnapshotReader {
  return {
    async getMultiple(keys) {
      const res = await rpc.call('getMultipleAccounts', (c) =>
        c.getMultipleAccountsInfoAndContext(
          keys.map((k) => new PublicKey(k)),
          { commitment: 'confirmed' },
        ),
      );
      return { slot: res.context.slot, data: res.value.map((a) => (a ? new Uint8Array(a.data) : null)) };
    },
    async holders(mint) {
      const res = await rpc.call('getTokenLargestAccounts', (c) => c.getTokenLargestAccounts(new PublicKey(mint), 'confirmed'));
      return res.value.filter((h) => h.amount !== '0').map((h) => h.address.toBase58());
    },
    async scanHolders() {
      const res = await programAccounts(
        rpc,
        TOKEN_PROGRAM_ID.toBase58(),
        {
          commitment: 'confirmed',
          dataSlice: { offset: 0, length: 64 },
          filters: [{ dataSize: TOKEN_ACCOUNT_SIZE }, { memcmp: { offset: AMOUNT_OFFSET, bytes: AMOUNT_ONE } }],
        },
        opts.scanTimeoutMs !== undefined ? { timeoutMs: opts.scanTimeoutMs } : {},
      );
      return { slot: res.slot, holders: holdersOf(res.accounts) };
    },
    genesisHash: () => rpc.call('getGenesisHash', (c) => c.getGenesisHash()),
  };
}

export interface SnapshotOptions {
  /** Keys per getMultipleAccounts call (the RPC's limit is 100). */
  chunkKeys: number;
  concurrency: number;
  /** Epoch ms after which no new chunk is started: the run records partial results. */
  deadline: number;
  /** chunks when left out. */
  strategy?: SnapshotStrategy;
  /** Kept across runs: auto stops asking for a scan the RPC refused for good. */
  memory?: ScanMemory;
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
  /** How the snapshot was taken, and why a scan was given up for chunks. */
  strategy: 'scan' | 'chunks';
  scanError?: string;
}

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
async function readChunk(
  reader: HolderSnapshotReader,
  mints: TrackedMint[],
  deadline: number,
): Promise<{ rows: ChainRow[]; slot: number; failed: Snapshot['failed'] }> {
  const rows: ChainRow[] = [];
  const failed: Snapshot['failed'] = [];
  const guesses = mints.map(guessTokenAccount);
  const withGuess = mints.flatMap((m, i) => (guesses[i] ? [{ m, account: guesses[i] }] : []));
  let slot: number | null = null;
  const unresolved: TrackedMint[] = mints.filter((_, i) => !guesses[i]);
  if (withGuess.length) {
    const res = await reader.getMultiple(withGuess.map((g) => g.account));
    slot = res.slot;
    withGuess.forEach((g, i) => {
      const data = res.data[i];
      const tok = data ? decodeTokenAccount(data) : null;
      if (tok && tok.mint === g.m.mint && tok.amount > 0n)
        rows.push({ mint: g.m.mint, present: true, owner: tok.owner, tokenAccount: g.account, slot: res.slot });
      else unresolved.push(g.m);
    });
  }
  if (unresolved.length) {
    const res = await reader.getMultiple(unresolved.map((m) => m.mint));
    slot = slot === null ? res.slot : Math.min(slot, res.slot);
    for (const [i, m] of unresolved.entries()) {
      try {
        if (Date.now() >= deadline) throw new Error('run deadline passed before this mint was located');
        const data = res.data[i];
        const mintAcc = data ? decodeMintAccount(data) : null;
        if (!mintAcc) rows.push({ mint: m.mint, present: false, owner: null, tokenAccount: null, slot: res.slot });
        else if (mintAcc.supply === 0n) rows.push({ mint: m.mint, present: true, owner: null, tokenAccount: null, slot: res.slot });
        else rows.push(await locateHolder(reader, m.mint, res.slot));
      } catch (err) {
        // One mint's failure is isolated: it is counted, the rest of the chunk stands.
        failed.push({ mint: m.mint, error: errorMessage(err) });
      }
    }
  }
  return { rows, slot: slot ?? 0, failed };
}

async function locateHolder(reader: HolderSnapshotReader, mint: string, slot: number): Promise<ChainRow> {
  const holders = await reader.holders(mint);
  if (holders.length === 0) return { mint, present: true, owner: null, tokenAccount: null, slot };
  const { data } = await reader.getMultiple(holders.slice(0, 1));
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

async function readInChunks(reader: HolderSnapshotReader, mints: TrackedMint[], o: SnapshotOptions): Promise<Omit<Snapshot, 'strategy'>> {
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
        const r = await readChunk(reader, chunk, o.deadline);
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

/**
 * One scan settles every tracked mint held by exactly one account (an NFT's supply is 1, so that
 * account is its holder); the rest (burned, missing, or spread over several accounts) is read the
 * chunk way, so both strategies classify them alike.
 */
async function readByScan(
  reader: HolderSnapshotReader & Required<Pick<HolderSnapshotReader, 'scanHolders'>>,
  mints: TrackedMint[],
  o: SnapshotOptions,
): Promise<Omit<Snapshot, 'strategy'>> {
  if (Date.now() >= o.deadline || o.signal?.aborted) return { rows: [], failed: [], skipped: mints.length, slot: null };
  const scan = await reader.scanHolders();
  const byMint = new Map<string, Holder | null>();
  for (const h of scan.holders) byMint.set(h.mint, byMint.has(h.mint) ? null : h);
  const rows: ChainRow[] = [];
  const rest: TrackedMint[] = [];
  for (const m of mints) {
    const h = byMint.get(m.mint);
    if (h) rows.push({ mint: m.mint, present: true, owner: h.owner, tokenAccount: h.tokenAccount, slot: scan.slot });
    else rest.push(m);
  }
  o.onProgress?.(rows.length, mints.length);
  const more = await readInChunks(reader, rest, { ...o, onProgress: (done) => o.onProgress?.(rows.length + done, mints.length) });
  return { ...more, rows: rows.concat(more.rows), slot: more.slot === null ? scan.slot : Math.min(scan.slot, more.slot) };
}

/**
 * What auto learnt from earlier runs: the RPC refused the Token-program scan (a hosted provider
 * does, whatever the cluster), so asking again only costs a request.
 */
export interface ScanMemory {
  refused?: string;
}

/** auto: scan unless the cluster is a public one, the RPC refused it before, or the reader cannot scan. */
export async function chooseStrategy(reader: HolderSnapshotReader, wanted: SnapshotStrategy, memory?: ScanMemory): Promise<'scan' | 'chunks'> {
  if (wanted !== 'auto') return wanted;
  if (memory?.refused !== undefined || !reader.scanHolders || !reader.genesisHash) return 'chunks';
  return PUBLIC_CLUSTERS.has(await reader.genesisHash()) ? 'chunks' : 'scan';
}

export async function snapshotChain(reader: HolderSnapshotReader, mints: TrackedMint[], o: SnapshotOptions): Promise<Snapshot> {
  const wanted = o.strategy ?? 'chunks';
  const strategy = await chooseStrategy(reader, wanted, o.memory);
  if (strategy === 'chunks') return { ...(await readInChunks(reader, mints, o)), strategy };
  const { scanHolders } = reader;
  if (!scanHolders) throw new PermanentError('the scan strategy was asked for, and this chain reader cannot scan');
  try {
    return { ...(await readByScan({ ...reader, scanHolders }, mints, o)), strategy };
  } catch (err) {
    // Asked for explicitly, a failed scan fails the run; auto falls back to the chunks.
    if (wanted === 'scan') throw err;
    if (o.memory && !isRetryable(err)) o.memory.refused = errorMessage(err);
    return { ...(await readInChunks(reader, mints, o)), strategy: 'chunks', scanError: errorMessage(err) };
  }
}
