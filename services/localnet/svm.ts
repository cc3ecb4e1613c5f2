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

export function writeAccount(svm: LiteSVM, key: string, snap: AccountSnap | null): void {
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

export function programAccounts(svm: LiteSVM, program: string): Array<[string, AccountSnap]> {
  return svm
    .getProgramAccounts(program as Address)
    .filter((a) => a.lamports > 0n)
    .map((a) => [a.address, snapOf(a)]);
}
