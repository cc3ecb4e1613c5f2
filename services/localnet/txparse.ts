// Wire bytes to what the ledger needs: web3.js for the message fields (keys, writability, the
// JSON of getTransaction), and the form LiteSVM executes: the wire bytes themselves when they are
// exactly what LiteSVM's wrapper would re-encode from kit's form, kit's decoding otherwise.
import { Message, VersionedTransaction } from '@solana/web3.js';
import { getTransactionDecoder, type Transaction } from '@solana/kit';
import { base58 } from '../lib/solana/base58.ts';

export interface ParsedTx {
  signature: string;
  signatures: string[];
  accountKeys: string[];
  writable: boolean[];
  recentBlockhash: string;
  version: 'legacy' | 0;
  /** `transaction` of getTransaction in json encoding. */
  json: { signatures: string[]; message: Record<string, unknown> };
  wire: Uint8Array;
  /**
   * kit's form, for LiteSVM's wrapper; null when `wire` already is its encoding of it and fully
   * signed, so the native binding can run `wire` as is (see svm.ts).
   */
  kit: Transaction | null;
}

/**
 * Whether kit would decode `wire` and encode it back to the same bytes, fully signed: a one-byte
 * signature count equal to the header's, distinct signers (kit keys signatures by address) and
 * no all-zero signature (kit reads one as missing). Anything else takes kit's path, with its
 * errors.
 */
function canonicalSigned(wire: Uint8Array, vtx: VersionedTransaction, accountKeys: readonly string[]): boolean {
  const n = vtx.signatures.length;
  if (n === 0 || n >= 0x80 || wire[0] !== n || n !== vtx.message.header.numRequiredSignatures) return false;
  if (new Set(accountKeys.slice(0, n)).size !== n) return false;
  return vtx.signatures.every((s) => s.some((b) => b !== 0));
}

export function parseWireTransaction(wire: Uint8Array): ParsedTx {
  const vtx = VersionedTransaction.deserialize(wire);
  const msg = vtx.message;
  const signatures = vtx.signatures.map((s) => base58(s));
  const signature = signatures[0];
  if (signature === undefined) throw new Error('transaction has no signatures');
  const accountKeys = msg.staticAccountKeys.map((k) => k.toBase58());
  const message: Record<string, unknown> = {
    accountKeys,
    header: msg.header,
    // A legacy message keeps its instructions' data as base58 already; compiledInstructions would
    // decode it only for it to be encoded again (a fifth of a mint's parse).
    instructions:
      msg instanceof Message
        ? msg.instructions.map((ix) => ({ accounts: ix.accounts, data: ix.data, programIdIndex: ix.programIdIndex, stackHeight: null }))
        : msg.compiledInstructions.map((ix) => ({
            accounts: ix.accountKeyIndexes,
            data: base58(ix.data),
            programIdIndex: ix.programIdIndex,
            stackHeight: null,
          })),
    recentBlockhash: msg.recentBlockhash,
  };
  if (msg.version === 0) {
    message.addressTableLookups = msg.addressTableLookups.map((l) => ({
      accountKey: l.accountKey.toBase58(),
      writableIndexes: l.writableIndexes,
      readonlyIndexes: l.readonlyIndexes,
    }));
  }
  return {
    signature,
    signatures,
    accountKeys,
    writable: accountKeys.map((_, i) => msg.isAccountWritable(i)),
    recentBlockhash: msg.recentBlockhash,
    version: msg.version === 'legacy' ? 'legacy' : 0,
    json: { signatures, message },
    wire,
    kit: canonicalSigned(wire, vtx, accountKeys) ? null : getTransactionDecoder().decode(wire),
  };
}
