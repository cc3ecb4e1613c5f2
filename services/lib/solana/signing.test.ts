import { fc, test } from '@fast-check/vitest';
import { Keypair, PublicKey, Transaction, TransactionInstruction } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { getBase58Decoder } from '@solana/kit';
import { shortVec } from './legacy-message.ts';
import { signTransaction } from './signing.ts';

const text = getBase58Decoder();
const blockhash = new PublicKey(new Uint8Array(32).fill(7)).toBase58();
const payer = Keypair.fromSeed(new Uint8Array(32).fill(1));
const owner = Keypair.fromSeed(new Uint8Array(32).fill(2));
const others = Array.from({ length: 5 }, (_, i) => new PublicKey(new Uint8Array(32).fill(10 + i)));
const programs = [new PublicKey(new Uint8Array(32).fill(40)), new PublicKey(new Uint8Array(32).fill(41)), others[0]!];

/** Instructions over a small key pool, so keys repeat with different flags and programs double as accounts. */
const instructionsArb = fc.array(
  fc.record({
    program: fc.integer({ min: 0, max: programs.length - 1 }),
    keys: fc.array(fc.record({ who: fc.integer({ min: 0, max: others.length + 1 }), isSigner: fc.boolean(), isWritable: fc.boolean() }), { maxLength: 6 }),
    data: fc.uint8Array({ maxLength: 200 }),
  }),
  { minLength: 1, maxLength: 6 },
);

type Spec = Array<{ program: number; keys: Array<{ who: number; isSigner: boolean; isWritable: boolean }>; data: Uint8Array }>;

function build(spec: Spec) {
  return spec.map(
    (ix) =>
      new TransactionInstruction({
        programId: programs[ix.program]!,
        // Only the payer (0) and the owner (1) can sign; the others are plain accounts.
        keys: ix.keys.map((k) => ({
          pubkey: k.who === 0 ? payer.publicKey : k.who === 1 ? owner.publicKey : others[k.who - 2]!,
          isSigner: k.who <= 1 && k.isSigner,
          isWritable: k.isWritable,
        })),
        data: Buffer.from(ix.data),
      }),
  );
}

/** What a transaction means, as web3.js reads it back from the wire: order of accounts aside. */
function meaning(bytes: Uint8Array) {
  const tx = Transaction.from(bytes);
  return {
    feePayer: tx.feePayer?.toBase58(),
    blockhash: tx.recentBlockhash,
    verified: tx.verifySignatures(),
    instructions: tx.instructions.map((ix) => ({
      programId: ix.programId.toBase58(),
      keys: ix.keys.map((k) => ({ pubkey: k.pubkey.toBase58(), isSigner: k.isSigner, isWritable: k.isWritable })),
      data: Buffer.from(ix.data).toString('hex'),
    })),
  };
}

describe('signTransaction', () => {
  test.prop([instructionsArb])("means what web3.js's own signed transaction means, for any instructions, and its signatures verify", (spec) => {
    const instructions = build(spec);
    const signers = instructions.some((ix) => ix.keys.some((k) => k.isSigner && k.pubkey.equals(owner.publicKey))) ? [payer, owner] : [payer];
    const ours = signTransaction({ feePayer: payer.publicKey, instructions, recentBlockhash: blockhash, signers });
    const theirs = new Transaction({ feePayer: payer.publicKey, blockhash, lastValidBlockHeight: 100 }).add(...instructions);
    theirs.sign(...signers);
    const m = meaning(ours.bytes);
    expect(m).toEqual(meaning(theirs.serialize()));
    expect(m.verified).toBe(true);
    expect(ours.signature).toBe(text.decode(Transaction.from(ours.bytes).signature!));
  });

  it("the signature is the fee payer's, in base58, as web3.js names the transaction", () => {
    const instructions = build([{ program: 0, keys: [{ who: 1, isSigner: true, isWritable: true }], data: new Uint8Array([1, 2, 3]) }]);
    const ours = signTransaction({ feePayer: payer.publicKey, instructions, recentBlockhash: blockhash, signers: [payer, owner] });
    // Ed25519 is deterministic, but the message bytes may differ in account order; the payer's
    // signature over our message is what the wire carries first.
    expect(ours.signature).toBe(text.decode(Transaction.from(ours.bytes).signatures[0]!.signature!));
    expect(Transaction.from(ours.bytes).signatures[0]!.publicKey.equals(payer.publicKey)).toBe(true);
  });

  it('refuses a missing signer and an unknown one', () => {
    const instructions = build([{ program: 0, keys: [{ who: 1, isSigner: true, isWritable: false }], data: new Uint8Array() }]);
    expect(() => signTransaction({ feePayer: payer.publicKey, instructions, recentBlockhash: blockhash, signers: [payer] })).toThrow(/Missing signature for/);
    const plain = build([{ program: 0, keys: [], data: new Uint8Array() }]);
    expect(() => signTransaction({ feePayer: payer.publicKey, instructions: plain, recentBlockhash: blockhash, signers: [payer, owner] })).toThrow(
      /unknown signer/,
    );
  });
});

describe('shortVec', () => {
  test.prop([fc.integer({ min: 0, max: 0xffff })])('decodes back to the number, in at most 3 bytes, for any u16', (n) => {
    const bytes = shortVec(n);
    expect(bytes.length).toBeLessThanOrEqual(3);
    let value = 0;
    bytes.forEach((b, i) => {
      value |= (b & 0x7f) << (7 * i);
      expect((b & 0x80) !== 0).toBe(i < bytes.length - 1);
    });
    expect(value).toBe(n);
  });
});
