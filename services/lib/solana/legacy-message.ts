// The legacy transaction message in wire format, compiled straight from instructions. web3.js's
// Transaction compiles the same message, but dedupes accounts by base58 text in a quadratic
// search and sorts them with a locale-aware string compare: about 1 ms of CPU for an NFT mint,
// and its sign-then-serialize compiles twice. The runtime only needs the account classes in order
// (the fee payer, writable signers, read-only signers, writable others, read-only others); inside
// a class we order by key bytes, so the message is deterministic.
import type { PublicKey, TransactionInstruction } from '@solana/web3.js';
import { getBase58Encoder } from '@solana/kit';

const base58Bytes = getBase58Encoder();

interface AccountEntry {
  key: Uint8Array;
  isSigner: boolean;
  isWritable: boolean;
}

export interface CompiledMessage {
  /** The message bytes that every signer signs. */
  bytes: Uint8Array;
  /** The keys whose signatures the transaction carries, in wire order (the fee payer first). */
  signerKeys: Uint8Array[];
  /** The keys the message writes, the fee payer first (what priority fees are reported for). */
  writableKeys: Uint8Array[];
}

/** Solana's compact-u16: 7 bits per byte, low bits first, high bit set while more follow. */
export function shortVec(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`compact-u16 out of range: ${n}`);
  const out: number[] = [];
  let rest = n;
  for (;;) {
    const low = rest & 0x7f;
    rest >>= 7;
    if (rest === 0) {
      out.push(low);
      return out;
    }
    out.push(low | 0x80);
  }
}

const classOf = (a: AccountEntry) => (a.isSigner ? 0 : 2) + (a.isWritable ? 0 : 1);

export function compileLegacyMessage(feePayer: PublicKey, instructions: readonly TransactionInstruction[], recentBlockhash: string): CompiledMessage {
  if (instructions.length === 0) throw new Error('a transaction needs at least one instruction');
  // Keyed by the raw bytes as latin1 text: one cheap string per key instead of base58. Each
  // key is converted once (web3.js keys hold a BN); the instructions keep their entries.
  const accounts = new Map<string, AccountEntry>();
  const add = (pubkey: PublicKey, isSigner: boolean, isWritable: boolean): AccountEntry => {
    const key = pubkey.toBytes();
    const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
    const entry = accounts.get(id);
    if (!entry) {
      const fresh = { key, isSigner, isWritable };
      accounts.set(id, fresh);
      return fresh;
    }
    entry.isSigner ||= isSigner;
    entry.isWritable ||= isWritable;
    return entry;
  };
  const payer = add(feePayer, true, true);
  const compiled = instructions.map((ix) => ({
    keys: ix.keys.map((m) => add(m.pubkey, m.isSigner, m.isWritable)),
    program: add(ix.programId, false, false),
    data: ix.data,
  }));
  const rest = [...accounts.values()].filter((a) => a !== payer);
  rest.sort((x, y) => classOf(x) - classOf(y) || Buffer.compare(x.key, y.key));
  const ordered = [payer, ...rest];
  const index = new Map(ordered.map((a, i) => [a, i]));
  if (ordered.length > 256) throw new RangeError(`a legacy message holds at most 256 accounts, not ${ordered.length}`);

  const blockhash = base58Bytes.encode(recentBlockhash) as Uint8Array;
  if (blockhash.length !== 32) throw new RangeError(`recent blockhash ${recentBlockhash} is not 32 bytes`);
  const signers = ordered.filter((a) => a.isSigner);
  const parts: Array<Uint8Array | number[]> = [
    [signers.length, signers.filter((a) => !a.isWritable).length, ordered.filter((a) => !a.isSigner && !a.isWritable).length],
    shortVec(ordered.length),
    ...ordered.map((a) => a.key),
    blockhash,
    shortVec(instructions.length),
  ];
  for (const ix of compiled) {
    parts.push([index.get(ix.program)!, ...shortVec(ix.keys.length), ...ix.keys.map((k) => index.get(k)!)]);
    parts.push(shortVec(ix.data.length), ix.data);
  }
  return {
    bytes: Buffer.concat(parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)))),
    signerKeys: signers.map((a) => a.key),
    writableKeys: ordered.filter((a) => a.isWritable).map((a) => a.key),
  };
}
