// The narrow bridge to LiteSVM: its kit-typed accounts to and from AccountSnap, and the settings
// the server relies on (blockhash ages and duplicate signatures are judged by the ledger, not by
// LiteSVM, whose own check only knows a single latest blockhash).
import { Account, FailedTransactionMetadata, LiteSVM, SimulatedTransactionInfo, type TransactionMetadata } from 'litesvm';
import { PublicKey } from '@solana/web3.js';
import { address, getTransactionDecoder, lamports, type Address } from '@solana/kit';
import { SYSTEM_PROGRAM, type AccountSnap } from './accounts.ts';
import { TOKEN_PROGRAM } from './token.ts';
import type { ParsedTx } from './txparse.ts';

const SYSVAR_PROGRAM = 'Sysvar1111111111111111111111111111111111111';

export function configureSvm(svm: LiteSVM): LiteSVM {
  const configured = svm.withBlockhashCheck(false).withTransactionHistory(0n).withSigverify(true);
  // Indexed from the start, while it is small (see programAccounts).
  indexProgram(configured, TOKEN_PROGRAM);
  return configured;
}

export function newSvm(): LiteSVM {
  return configureSvm(new LiteSVM());
}

type KitAccount = { lamports: bigint; data: Uint8Array | { readonly length: number }; programAddress: string; executable: boolean };

/** kit types the data as read-only; it is a fresh Uint8Array copied out of the SVM. */
export function snapOf(a: KitAccount): AccountSnap {
  return { lamports: a.lamports, data: a.data as Uint8Array, owner: a.programAddress, executable: a.executable };
}

// LiteSVM's wrapper converts addresses with @solana/kit's codecs, which validate and convert
// through BigInt arithmetic: about 35 µs of a read's 45, on a path that reads each account a
// transaction names. When the native binding underneath is reachable, reads go to it directly
// with web3.js's (table-driven) base58 and a cache of the few owner programs.
interface NativeAccount {
  lamports(): bigint;
  data(): Uint8Array;
  owner(): Uint8Array;
  executable(): boolean;
}
type NativeSimulation = ConstructorParameters<typeof SimulatedTransactionInfo>[0];
interface NativeSvm {
  getAccount(pubkey: Uint8Array): NativeAccount | null;
  simulateLegacyTransaction(wire: Uint8Array): NativeSimulation | FailedTransactionMetadata;
  simulateVersionedTransaction(wire: Uint8Array): NativeSimulation | FailedTransactionMetadata;
  sendLegacyTransaction(wire: Uint8Array): TransactionMetadata | FailedTransactionMetadata;
  sendVersionedTransaction(wire: Uint8Array): TransactionMetadata | FailedTransactionMetadata;
  setAccount(pubkey: Uint8Array, account: Account): void;
}
const NATIVE_METHODS = [
  'getAccount',
  'setAccount',
  'simulateLegacyTransaction',
  'simulateVersionedTransaction',
  'sendLegacyTransaction',
  'sendVersionedTransaction',
];
function nativeOf(svm: LiteSVM): NativeSvm | null {
  const inner = (svm as unknown as { inner?: Record<string, unknown> }).inner;
  return inner && NATIVE_METHODS.every((m) => typeof inner[m] === 'function') ? (inner as unknown as NativeSvm) : null;
}

// The wrapper's send and simulate re-encode kit's form of a transaction (kit's codecs again,
// ~0.2 ms each): a transaction whose wire bytes are that encoding goes to the binding as is.
export function simulateTx(svm: LiteSVM, tx: ParsedTx): FailedTransactionMetadata | SimulatedTransactionInfo {
  const native = nativeOf(svm);
  if (tx.kit !== null || !native) return svm.simulateTransaction(tx.kit ?? getTransactionDecoder().decode(tx.wire));
  const r = tx.version === 'legacy' ? native.simulateLegacyTransaction(tx.wire) : native.simulateVersionedTransaction(tx.wire);
  return r instanceof FailedTransactionMetadata ? r : new SimulatedTransactionInfo(r);
}

export function sendTx(svm: LiteSVM, tx: ParsedTx): FailedTransactionMetadata | TransactionMetadata {
  const native = nativeOf(svm);
  if (tx.kit !== null || !native) return svm.sendTransaction(tx.kit ?? getTransactionDecoder().decode(tx.wire));
  return tx.version === 'legacy' ? native.sendLegacyTransaction(tx.wire) : native.sendVersionedTransaction(tx.wire);
}

const ownerKeys = new Map<string, Uint8Array>();
function ownerBytes(owner: string): Uint8Array {
  let bytes = ownerKeys.get(owner);
  if (bytes === undefined) {
    if (ownerKeys.size >= 1024) ownerKeys.clear();
    ownerKeys.set(owner, (bytes = new PublicKey(owner).toBytes()));
  }
  return bytes;
}

// Decoding base58 through web3.js's PublicKey costs ~20 µs a key, and a transaction's execution
// reads each of its keys once or twice, most of them (programs, sysvars, busy wallets and their
// token accounts) again and again across transactions.
const KEY_CACHE_LIMIT = 16_384;
const keyCache = new Map<string, Uint8Array>();
function keyBytes(key: string): Uint8Array {
  let bytes = keyCache.get(key);
  if (bytes === undefined) {
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(key, (bytes = new PublicKey(key).toBytes()));
  }
  return bytes;
}

const ownerNames = new Map<string, string>();
function ownerName(bytes: Uint8Array): string {
  const k = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let name = ownerNames.get(k);
  if (name === undefined) {
    // Owners are a handful of programs; the bound only guards against a pathological chain.
    if (ownerNames.size >= 1024) ownerNames.clear();
    ownerNames.set(k, (name = new PublicKey(bytes).toBase58()));
  }
  return name;
}

/**
 * An account as LiteSVM holds it, or null if it has no lamports. `programData: false` leaves an
 * executable account's data out, for a transaction's metadata (balances, token balances) of the
 * accounts it only reads: copying a program out was most of a mint's account reads (the
 * associated token program is 105 kB, ~180 µs a copy), and a program a transaction names is never
 * written.
 */
export function readAccount(svm: LiteSVM, key: string, opts: { programData?: boolean } = {}): AccountSnap | null {
  const executables = opts.programData === false ? indexOf(svm).executables : null;
  const known = executables?.get(key);
  if (known) return known;
  const native = nativeOf(svm);
  if (!native) {
    const a = svm.getAccount(key as Address);
    if (!a.exists || a.lamports === 0n) return null;
    return snapOf(a);
  }
  const a = native.getAccount(keyBytes(key));
  if (a === null) return null;
  const lamports = a.lamports();
  if (lamports === 0n) return null;
  const executable = a.executable();
  if (executable && executables) {
    const snap = { lamports, data: new Uint8Array(0), owner: ownerName(a.owner()), executable };
    executables.set(key, snap);
    return snap;
  }
  return { lamports, data: a.data(), owner: ownerName(a.owner()), executable };
}

// Listing a program's accounts out of LiteSVM copies every one of them (tens of µs each, about a
// second per few thousand token accounts) and blocks the single-threaded server meanwhile, while
// readers list often (backfills, holder lookups, reconciliation scans). So, as a real node keeps
// account indexes, a program's accounts are listed from LiteSVM once and then kept in step: a write
// updates the index directly, a transaction names the keys it may have changed (re-read lazily,
// on the next listing), and a change whose keys are unknown drops every index.
interface ProgramIndex {
  accounts: Map<string, AccountSnap>;
  /** The listing handed out until the next change to this program's accounts. */
  rows: Array<[string, AccountSnap]> | null;
  /**
   * Keys by their data's first 32 bytes (a token account's or a metadata account's mint): readers
   * ask for one mint's accounts far more often than for the whole program, and scanning every
   * account for each ask grows with the chain.
   */
  byPrefix: Map<string, Set<string>>;
  /** Each key's place in `accounts`' iteration order, so a subset comes out in listing order. */
  order: Map<string, number>;
  nextOrder: number;
}

export const PREFIX_LENGTH = 32;

function prefixKey(data: Uint8Array): string | null {
  return data.length < PREFIX_LENGTH ? null : Buffer.from(data.buffer, data.byteOffset, PREFIX_LENGTH).toString('latin1');
}

function newProgramIndex(): ProgramIndex {
  return { accounts: new Map(), rows: null, byPrefix: new Map(), order: new Map(), nextOrder: 0 };
}

function unlinkPrefix(p: ProgramIndex, key: string, old: AccountSnap): void {
  const k = prefixKey(old.data);
  if (k === null) return;
  const set = p.byPrefix.get(k);
  if (set && set.delete(key) && set.size === 0) p.byPrefix.delete(k);
}

function setIndexed(p: ProgramIndex, key: string, snap: AccountSnap): void {
  const old = p.accounts.get(key);
  if (old) unlinkPrefix(p, key, old);
  // A Map keeps an existing key's position on set: only a new key goes to the end.
  else p.order.set(key, p.nextOrder++);
  p.accounts.set(key, snap);
  const k = prefixKey(snap.data);
  if (k !== null) {
    const set = p.byPrefix.get(k);
    if (set) set.add(key);
    else p.byPrefix.set(k, new Set([key]));
  }
  p.rows = null;
}

function deleteIndexed(p: ProgramIndex, key: string): void {
  const old = p.accounts.get(key);
  if (!old) return;
  unlinkPrefix(p, key, old);
  p.accounts.delete(key);
  p.order.delete(key);
  p.rows = null;
}
interface SvmIndex {
  programs: Map<string, ProgramIndex>;
  /** Keys a transaction may have changed since the last listing. */
  dirty: Set<string>;
  /**
   * Every key written since the SVM was created, or null once a change's keys were unknown:
   * LiteSVM cannot list all its accounts, and these (with a fresh SVM's own) are all of them.
   */
  written: Set<string> | null;
  /** Counts changes (writes, transactions, unknown changes): equal counts mean the same accounts. */
  version: number;
  /**
   * Executable accounts as a read without program data returns them. Reading a large program out
   * of LiteSVM costs most of a millisecond even when its data is not copied out (the associated
   * token program, 105 kB), and every transaction that calls it names it. A program account
   * changes only when written, and a write (or a transaction that may write it) drops it here.
   */
  executables: Map<string, AccountSnap>;
}
const indexes = new WeakMap<LiteSVM, SvmIndex>();

function indexOf(svm: LiteSVM): SvmIndex {
  let ix = indexes.get(svm);
  if (!ix) indexes.set(svm, (ix = { programs: new Map(), dirty: new Set(), written: new Set(), version: 0, executables: new Map() }));
  return ix;
}

/** Moves `key` to the index of its (new) owner program, or out of every index when it is gone. */
function place(ix: SvmIndex, key: string, snap: AccountSnap | null): void {
  for (const [program, p] of ix.programs) {
    if (snap && snap.owner === program) setIndexed(p, key, snap);
    else deleteIndexed(p, key);
  }
}

/**
 * Call after anything that may change accounts: with the keys it may have changed (a
 * transaction's account keys), or with none when they are unknown (every index is rebuilt).
 */
export function markChanged(svm: LiteSVM, keys?: Iterable<string>): void {
  const ix = indexOf(svm);
  ix.version++;
  if (keys === undefined) {
    ix.programs.clear();
    ix.dirty.clear();
    ix.written = null;
    ix.executables.clear();
    return;
  }
  for (const k of keys) {
    ix.written?.add(k);
    ix.executables.delete(k);
    if (ix.programs.size > 0) ix.dirty.add(k);
  }
}

/** Warping changes the clock sysvars only: the Sysvar program's listing is the one to drop. */
export function warpTo(svm: LiteSVM, slot: number): void {
  svm.warpToSlot(BigInt(slot));
  indexOf(svm).programs.delete(SYSVAR_PROGRAM);
}

export function writeAccount(svm: LiteSVM, key: string, snap: AccountSnap | null): void {
  const s = snap ?? { lamports: 0n, data: new Uint8Array(0), owner: SYSTEM_PROGRAM, executable: false };
  const native = nativeOf(svm);
  // The wrapper's kit codecs cost ~1 ms a write under load: restoring a snapshot writes every account.
  if (native) native.setAccount(new PublicKey(key).toBytes(), new Account(s.lamports, s.data, ownerBytes(s.owner), s.executable, 0n));
  else {
    svm.setAccount({
      address: address(key),
      lamports: lamports(s.lamports),
      data: s.data,
      programAddress: address(s.owner),
      executable: s.executable,
      space: BigInt(s.data.length),
    });
  }
  const ix = indexOf(svm);
  ix.dirty.delete(key);
  ix.written?.add(key);
  ix.executables.delete(key);
  ix.version++;
  // A copy, as readAccount would return: the caller keeps its own.
  place(ix, key, snap && snap.lamports > 0n ? { ...snap, data: snap.data.slice() } : null);
}

/** A number that changes whenever the SVM's accounts may have: a snapshot of an unchanged SVM is skipped. */
export function accountsVersion(svm: LiteSVM): number {
  return indexOf(svm).version;
}

/**
 * Every account written since the SVM was created, as it is now (the accounts a fresh SVM holds
 * on its own aside); null when a change's keys were unknown (a transaction that loaded accounts
 * through a lookup table). Indexed accounts come from the index: copying tens of thousands of
 * token accounts out of LiteSVM would stop the server for seconds.
 */
export function writtenAccounts(svm: LiteSVM): Array<[string, AccountSnap]> | null {
  const ix = indexOf(svm);
  if (ix.written === null) return null;
  const written = ix.written;
  flushDirty(svm, ix);
  const indexes = [...ix.programs.values()];
  const out: Array<[string, AccountSnap]> = [];
  for (const key of written) {
    let snap: AccountSnap | null | undefined;
    for (const p of indexes) if ((snap = p.accounts.get(key))) break;
    snap ??= readAccount(svm, key);
    if (snap) out.push([key, snap]);
    else written.delete(key);
  }
  return out;
}

/** Lists `program` from LiteSVM now, so later listings cost nothing however many accounts it gains. */
export function indexProgram(svm: LiteSVM, program: string): void {
  programAccounts(svm, program);
}

/** The accounts owned by `program`; callers must not mutate the returned list or its accounts. */
export function programAccounts(svm: LiteSVM, program: string): ReadonlyArray<[string, AccountSnap]> {
  const p = programIndex(svm, program);
  return (p.rows ??= [...p.accounts]);
}

/**
 * The accounts owned by `program` whose data starts with `prefix` (PREFIX_LENGTH bytes), in the
 * order programAccounts lists them; the same contract as programAccounts.
 */
export function programAccountsWithPrefix(svm: LiteSVM, program: string, prefix: Uint8Array): Array<[string, AccountSnap]> {
  if (prefix.length !== PREFIX_LENGTH) throw new Error(`prefix must be ${PREFIX_LENGTH} bytes`);
  const p = programIndex(svm, program);
  const keys = p.byPrefix.get(prefixKey(prefix) as string);
  if (!keys) return [];
  const out: Array<[string, AccountSnap]> = [];
  for (const k of keys) out.push([k, p.accounts.get(k) as AccountSnap]);
  if (out.length > 1) out.sort((a, b) => (p.order.get(a[0]) as number) - (p.order.get(b[0]) as number));
  return out;
}

/** Re-reads the keys transactions may have changed into every index. */
function flushDirty(svm: LiteSVM, ix: SvmIndex): void {
  if (ix.dirty.size === 0) return;
  for (const k of ix.dirty) place(ix, k, readAccount(svm, k));
  ix.dirty.clear();
}

function programIndex(svm: LiteSVM, program: string): ProgramIndex {
  const ix = indexOf(svm);
  flushDirty(svm, ix);
  let p = ix.programs.get(program);
  if (!p) {
    p = newProgramIndex();
    for (const a of svm.getProgramAccounts(program as Address)) if (a.lamports > 0n) setIndexed(p, a.address, snapOf(a));
    ix.programs.set(program, p);
  }
  return p;
}
