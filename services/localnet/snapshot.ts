// The on-disk state that lets the stack restart the chain: the accounts, plus the ledger around
// them (slots, recent blockhashes, recent transactions). A restart roots the tip: unconfirmed
// blocks become final, as nothing above the tip is kept.
//
// Accounts are saved by the server, not by LiteSVM's own serialisation: that refuses a state of
// more than ~43,700 accounts (a 4 MiB preallocation limit, 96 bytes an account), which the stack's
// chain passes after some 20,000 NFTs, and a chain that cannot be saved comes back from a restart
// as it was long ago. LiteSVM's form is still written when the server cannot list the accounts
// (see writtenAccounts), and read from snapshots of format 1.
//
// The file is the ledger as one line of JSON, a newline, then the packed accounts as raw bytes: a
// chain of 80,000 NFTs is ~30 MB of accounts, which as base64 inside the JSON cost half a second
// of encoding and escaping at every snapshot (UTF-8 JSON never holds a newline byte).
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writevSync } from 'node:fs';
import { dirname } from 'node:path';
import { LiteSVM } from 'litesvm';
import type { AccountSnap } from './accounts.ts';
import type { ChainState } from './chain.ts';
import type { Block, TxRecord } from './ledger-types.ts';
import { configureSvm, newSvm, warpTo, writeAccount, writtenAccounts } from './svm.ts';

const FORMAT = 'chainsync-localnet-snapshot/3';
const READABLE = new Set(['chainsync-localnet-snapshot/1', FORMAT]);
const NEWLINE = 0x0a;
const TX_KEPT = 20_000;

export interface SnapshotFile {
  format: string;
  genesisHash: string;
  lastSlot: number;
  tip: Omit<Block, 'changes' | 'signatures'>;
  blockhashes: Array<[string, number]>;
  txs: TxRecord[];
  /** packAccounts' result (in the file: the owners in the JSON, the bytes after it); or else `svm`. */
  accounts?: { owners: string[]; count: number; packed: Buffer };
  /** LiteSVM's own serialisation, base64. */
  svm?: string;
}

// Owners are numbered once for the life of the process, so an account's packed bytes stay valid
// from one snapshot to the next; an account that did not change since is not packed again (its
// AccountSnap is the same object in the index).
const ownerNumbers = new Map<string, number>();
const ownerTable: string[] = [];
const packedBytes = new WeakMap<AccountSnap, { key: string; bytes: Buffer }>();

function packOne(key: string, a: AccountSnap): Buffer {
  const cached = packedBytes.get(a);
  if (cached !== undefined && cached.key === key) return cached.bytes;
  let owner = ownerNumbers.get(a.owner);
  if (owner === undefined) ownerNumbers.set(a.owner, (owner = ownerTable.push(a.owner) - 1));
  const bytes = Buffer.allocUnsafe(1 + key.length + 8 + 4 + 1 + 4 + a.data.length);
  let at = bytes.writeUInt8(key.length, 0);
  at += bytes.write(key, at, 'latin1');
  at = bytes.writeBigUInt64LE(a.lamports, at);
  at = bytes.writeUInt32LE(owner, at);
  at = bytes.writeUInt8(a.executable ? 1 : 0, at);
  at = bytes.writeUInt32LE(a.data.length, at);
  bytes.set(a.data, at);
  packedBytes.set(a, { key, bytes });
  return bytes;
}

/**
 * Accounts as bytes: per account its address (length-prefixed base58, so neither writing nor
 * reading decodes it), lamports, owner (an index into `owners`), executable flag and data.
 */
export function packAccounts(accounts: ReadonlyArray<readonly [string, AccountSnap]>): { owners: string[]; count: number; packed: Buffer } {
  const packed = Buffer.concat(accounts.map(([key, a]) => packOne(key, a)));
  return { owners: [...ownerTable], count: accounts.length, packed };
}

/** `count` (what packAccounts counted) tells a list cut at an account's end from a whole one. */
export function unpackAccounts(owners: readonly string[], packed: Buffer, count?: number): Array<[string, AccountSnap]> {
  const out: Array<[string, AccountSnap]> = [];
  let at = 0;
  const corrupt = () => new Error(`snapshot accounts are corrupt at byte ${at}`);
  while (at < packed.length) {
    const keyLength = packed.readUInt8(at);
    if (at + 1 + keyLength + 17 > packed.length) throw corrupt();
    const key = packed.toString('latin1', at + 1, at + 1 + keyLength);
    at += 1 + keyLength;
    const lamports = packed.readBigUInt64LE(at);
    const owner = owners[packed.readUInt32LE(at + 8)];
    const executable = packed.readUInt8(at + 12) === 1;
    const length = packed.readUInt32LE(at + 13);
    at += 17;
    if (owner === undefined || at + length > packed.length) throw corrupt();
    out.push([key, { lamports, owner, executable, data: new Uint8Array(packed.subarray(at, at + length)) }]);
    at += length;
  }
  if (count !== undefined && out.length !== count) throw new Error(`snapshot accounts are corrupt: ${out.length} of ${count} accounts`);
  return out;
}

// A record never changes once landed, and the periodic snapshot rewrites up to TX_KEPT of them
// every few seconds: each is serialised (and UTF-8 encoded) once, and later writes copy bytes.
const txBytes = new WeakMap<TxRecord, Buffer>();

function txJson(tx: TxRecord): Buffer {
  let bytes = txBytes.get(tx);
  if (bytes === undefined) txBytes.set(tx, (bytes = Buffer.from(JSON.stringify(tx))));
  return bytes;
}

export function snapshotFile(svm: LiteSVM, state: ChainState): SnapshotFile {
  const tip = state.blocks[state.blocks.length - 1];
  if (!tip) throw new Error('ledger has no blocks');
  return {
    format: FORMAT,
    genesisHash: state.genesisHash,
    lastSlot: state.lastSlot,
    tip: { slot: tip.slot, parent: tip.parent, height: tip.height, blockhash: tip.blockhash, blockTime: tip.blockTime },
    blockhashes: [...state.blockhashes],
    txs: [...state.txs.values()].slice(-TX_KEPT),
    ...accountsOf(svm),
  };
}

function accountsOf(svm: LiteSVM): Pick<SnapshotFile, 'accounts' | 'svm'> {
  const written = writtenAccounts(svm);
  if (written === null) return { svm: Buffer.from(svm.toBytes()).toString('base64') };
  return { accounts: packAccounts(written) };
}

/** The file's bytes, in parts (written as they are): the JSON line with each transaction's bytes reused from earlier writes, then the accounts. */
export function snapshotBytes(file: SnapshotFile): Buffer[] {
  const { txs, accounts, svm, ...rest } = file;
  const head = JSON.stringify({
    ...rest,
    ...(accounts ? { owners: accounts.owners, accountCount: accounts.count } : {}),
    ...(svm !== undefined ? { svm } : {}),
  });
  const parts: Buffer[] = [Buffer.from(`${head.slice(0, -1)},"txs":[`)];
  const comma = Buffer.from(',');
  txs.forEach((tx, i) => {
    if (i > 0) parts.push(comma);
    parts.push(txJson(tx));
  });
  parts.push(Buffer.from(']}\n'));
  if (accounts) parts.push(accounts.packed);
  return parts;
}

/** Reads what snapshotBytes wrote (and the JSON files of format 1, LiteSVM's form inside). */
export function parseSnapshot(bytes: Buffer): SnapshotFile {
  const end = bytes.indexOf(NEWLINE);
  const json = JSON.parse(bytes.toString('utf8', 0, end === -1 ? bytes.length : end)) as Omit<SnapshotFile, 'accounts'> & {
    owners?: string[];
    accountCount?: number;
  };
  const { owners, accountCount, ...rest } = json;
  if (owners) return { ...rest, accounts: { owners, count: accountCount ?? 0, packed: bytes.subarray(end + 1) } };
  return rest;
}

export function writeSnapshot(path: string, svm: LiteSVM, state: ChainState): void {
  const parts = snapshotBytes(snapshotFile(svm, state));
  mkdirSync(dirname(path), { recursive: true });
  // Write-then-rename so a crash mid-write leaves the previous snapshot intact.
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    // Each transaction is a part: they go out in slices well under the system's limit of buffers per write.
    for (let i = 0; i < parts.length; i += 512) writeAll(fd, parts.slice(i, i + 512));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function writeAll(fd: number, parts: Buffer[]): void {
  let rest = parts;
  while (rest.length > 0) {
    let written = writevSync(fd, rest);
    // A short write: drop what went out and go on with the rest.
    let i = 0;
    while (i < rest.length && written >= rest[i]!.length) written -= rest[i++]!.length;
    rest = rest.slice(i);
    if (written > 0) rest[0] = rest[0]!.subarray(written);
  }
}

export function snapshotExists(path: string): boolean {
  return existsSync(path);
}

export function readSnapshot(path: string): { svm: LiteSVM; state: ChainState } {
  const file = parseSnapshot(readFileSync(path));
  if (!READABLE.has(file.format)) throw new Error(`${path}: not a localnet snapshot (format ${String(file.format)})`);
  const svm = restoreSvm(file);
  const byAddress = new Map<string, string[]>();
  for (const tx of file.txs) {
    for (const k of tx.accountKeys) {
      const list = byAddress.get(k);
      if (list) list.push(tx.signature);
      else byAddress.set(k, [tx.signature]);
    }
  }
  return {
    svm,
    state: {
      genesisHash: file.genesisHash,
      lastSlot: file.lastSlot,
      blocks: [{ ...file.tip, changes: new Map(), signatures: [] }],
      blockhashes: new Map(file.blockhashes),
      txs: new Map(file.txs.map((t) => [t.signature, t])),
      byAddress,
    },
  };
}

/**
 * Whether the periodic snapshot should be written now. Writing one serialises every account and
 * stops the chain for a moment (hundreds of milliseconds on a loaded machine with a large state),
 * which shows up as a stall in confirmations; so it waits for a moment without transactions, but
 * not longer than `maxDeferMs`, so a crash under endless load still loses a bounded stretch.
 */
export function snapshotDue(at: { now: number; lastTxAt: number; lastSnapshotAt: number }, opts: { quietMs: number; maxDeferMs: number }): boolean {
  return at.now - at.lastTxAt >= opts.quietMs || at.now - at.lastSnapshotAt >= opts.maxDeferMs;
}

function restoreSvm(file: SnapshotFile): LiteSVM {
  if (file.svm !== undefined) return configureSvm(LiteSVM.fromBytes(new Uint8Array(Buffer.from(file.svm, 'base64'))));
  if (file.accounts === undefined) throw new Error('snapshot has neither accounts nor svm');
  const svm = newSvm();
  // A fresh SVM's clock is at slot 0: set to the tip's, as LiteSVM's own form kept it.
  warpTo(svm, file.tip.slot);
  for (const [key, account] of unpackAccounts(file.accounts.owners, file.accounts.packed, file.accounts.count)) writeAccount(svm, key, account);
  return svm;
}
