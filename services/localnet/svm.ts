// The narrow bridge to LiteSVM: its kit-typed accounts to and from AccountSnap, and the settings
// the server relies on (blockhash ages and duplicate signatures are judged by the ledger, not by
// LiteSVM, whose own check only knows a single latest blockhash).
import { LiteSVM } from 'litesvm';
import { address, lamports, type Address } from '@solana/kit';
import { SYSTEM_PROGRAM, type AccountSnap } from './accounts.ts';

export function configureSvm(svm: LiteSVM): LiteSVM {
  return svm.withBlockhashCheck(false).withTransactionHistory(0n).withSigverify(true);
}

export function newSvm(): LiteSVM {
  return configureSvm(new LiteSVM());
}

type KitAccount = { lamports: bigint; data: Uint8Array | { readonly length: number }; programAddress: string; executable: boolean };

/** kit types the data as read-only; it is a fresh Uint8Array copied out of the SVM. */
export function snapOf(a: KitAccount): AccountSnap {
  return { lamports: a.lamports, data: a.data as Uint8Array, owner: a.programAddress, executable: a.executable };
}

export function readAccount(svm: LiteSVM, key: string): AccountSnap | null {
  const a = svm.getAccount(key as Address);
  if (!a.exists || a.lamports === 0n) return null;
  return snapOf(a);
}

// Listing a program's accounts copies every one of them out of LiteSVM (about a second for a
// few thousand token accounts), and blocks the single-threaded server meanwhile. Readers ask
// many times per slot (backfills, per-mint scans), while the accounts change only when a
// transaction lands or an account is written: so the list is kept until the next change.
const versions = new WeakMap<LiteSVM, number>();
const listings = new WeakMap<LiteSVM, Map<string, { version: number; rows: Array<[string, AccountSnap]> }>>();

/** Call after anything that may change accounts (a transaction, a write, a slot warp). */
export function markChanged(svm: LiteSVM): void {
  versions.set(svm, (versions.get(svm) ?? 0) + 1);
}

export function writeAccount(svm: LiteSVM, key: string, snap: AccountSnap | null): void {
  markChanged(svm);
  const s = snap ?? { lamports: 0n, data: new Uint8Array(0), owner: SYSTEM_PROGRAM, executable: false };
  svm.setAccount({
    address: address(key),
    lamports: lamports(s.lamports),
    data: s.data,
    programAddress: address(s.owner),
    executable: s.executable,
    space: BigInt(s.data.length),
  });
}

/** The accounts owned by `program`; callers must not mutate the returned list or its accounts. */
export function programAccounts(svm: LiteSVM, program: string): ReadonlyArray<[string, AccountSnap]> {
  const version = versions.get(svm) ?? 0;
  let byProgram = listings.get(svm);
  if (!byProgram) listings.set(svm, (byProgram = new Map()));
  const cached = byProgram.get(program);
  if (cached && cached.version === version) return cached.rows;
  const rows = svm
    .getProgramAccounts(program as Address)
    .filter((a) => a.lamports > 0n)
    .map((a): [string, AccountSnap] => [a.address, snapOf(a)]);
  byProgram.set(program, { version, rows });
  return rows;
}
