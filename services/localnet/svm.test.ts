// svm.ts bypasses LiteSVM's kit-based wrapper where it can; it must do exactly what the wrapper does.
import { expect, test } from 'vitest';
import { Keypair, SystemProgram, Transaction } from '@solana/web3.js';
import { getTransactionDecoder, type Address } from '@solana/kit';
import { FailedTransactionMetadata, type SimulatedTransactionInfo, type TransactionMetadata } from 'litesvm';
import { SYSTEM_PROGRAM } from './accounts.ts';
import { newSvm, readAccount, sendTx, simulateTx, snapOf, writeAccount } from './svm.ts';
import { parseWireTransaction } from './txparse.ts';
import { ASSOCIATED_TOKEN_PROGRAM, TOKEN_PROGRAM } from './token.ts';

test('readAccount reads what the LiteSVM wrapper reads', () => {
  const svm = newSvm();
  const funded = Keypair.generate().publicKey.toBase58();
  const owned = Keypair.generate().publicKey.toBase58();
  writeAccount(svm, funded, { lamports: 5n, data: new Uint8Array(0), owner: SYSTEM_PROGRAM, executable: false });
  writeAccount(svm, owned, { lamports: 7n, data: Uint8Array.from([1, 2, 3]), owner: TOKEN_PROGRAM, executable: false });
  const keys = [
    funded,
    owned,
    TOKEN_PROGRAM,
    ASSOCIATED_TOKEN_PROGRAM,
    SYSTEM_PROGRAM,
    'SysvarC1ock11111111111111111111111111111111',
    Keypair.generate().publicKey.toBase58(),
  ];
  for (const k of keys) {
    const a = svm.getAccount(k as Address);
    expect(readAccount(svm, k)).toEqual(a.exists && a.lamports > 0n ? snapOf(a) : null);
  }
  expect(readAccount(svm, owned)?.owner).toBe(TOKEN_PROGRAM);
});

test('a signed transaction runs from its wire bytes with the same outcome as through kit; others keep kit', () => {
  const payer = Keypair.generate();
  const to = Keypair.generate().publicKey;
  const run = () => {
    const svm = newSvm();
    writeAccount(svm, payer.publicKey.toBase58(), { lamports: 10_000_000_000n, data: new Uint8Array(0), owner: SYSTEM_PROGRAM, executable: false });
    return svm;
  };
  const tx = new Transaction({ feePayer: payer.publicKey, blockhash: Keypair.generate().publicKey.toBase58(), lastValidBlockHeight: 0 }).add(
    SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 1_000_000 }),
  );
  tx.sign(payer);
  const parsed = parseWireTransaction(new Uint8Array(tx.serialize()));
  expect(parsed.kit).toBeNull();
  const viaKit = getTransactionDecoder().decode(parsed.wire);
  const outcome = (r: FailedTransactionMetadata | TransactionMetadata | SimulatedTransactionInfo) => {
    if (r instanceof FailedTransactionMetadata) return { err: String(r.err()), logs: r.meta().logs() };
    const meta = 'meta' in r ? r.meta() : r;
    return { logs: meta.logs(), cu: meta.computeUnitsConsumed() };
  };
  const [a, b] = [run(), run()];
  const simulated = simulateTx(a, parsed);
  expect(outcome(simulated)).toEqual(outcome(b.simulateTransaction(viaKit)));
  expect((simulated as SimulatedTransactionInfo).postAccounts().map((x) => x.address)).toEqual(
    (b.simulateTransaction(viaKit) as SimulatedTransactionInfo).postAccounts().map((x) => x.address),
  );
  expect(outcome(sendTx(a, parsed))).toEqual(outcome(b.sendTransaction(viaKit)));
  expect(readAccount(a, to.toBase58())?.lamports).toBe(1_000_000n);
  expect(readAccount(a, to.toBase58())).toEqual(readAccount(b, to.toBase58()));

  // Unsigned: kit reads the zero signature as missing, and its path (and errors) are kept.
  const unsigned = new Transaction({ feePayer: payer.publicKey, blockhash: Keypair.generate().publicKey.toBase58(), lastValidBlockHeight: 0 }).add(
    SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 1 }),
  );
  const wire = new Uint8Array(unsigned.serialize({ requireAllSignatures: false, verifySignatures: false }));
  expect(parseWireTransaction(wire).kit).not.toBeNull();
});

test('a program read without its data is remembered until the account is written', () => {
  const svm = newSvm();
  const first = readAccount(svm, ASSOCIATED_TOKEN_PROGRAM, { programData: false });
  expect(first).toMatchObject({ executable: true, data: new Uint8Array(0) });
  expect(readAccount(svm, ASSOCIATED_TOKEN_PROGRAM, { programData: false })).toBe(first);
  expect(readAccount(svm, ASSOCIATED_TOKEN_PROGRAM)?.data.length).toBeGreaterThan(0);
  // A write (a snapshot restored, say) is seen at once.
  const full = readAccount(svm, ASSOCIATED_TOKEN_PROGRAM)!;
  writeAccount(svm, ASSOCIATED_TOKEN_PROGRAM, { ...full, lamports: full.lamports + 1n });
  expect(readAccount(svm, ASSOCIATED_TOKEN_PROGRAM, { programData: false })?.lamports).toBe(full.lamports + 1n);
});
