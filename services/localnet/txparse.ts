// Wire bytes to what the ledger needs: web3.js for the message fields (keys, writability, the
// JSON of getTransaction), @solana/kit's decoder for the form LiteSVM executes.
import { VersionedTransaction } from '@solana/web3.js';
import { getBase58Decoder, getTransactionDecoder, type Transaction } from '@solana/kit';

export interface ParsedTx {
  signature: string;
  signatures: string[];
  accountKeys: string[];
  writable: boolean[];
  recentBlockhash: string;
  version: 'legacy' | 0;
  /** `transaction` of getTransaction in json encoding. */
  json: { signatures: string[]; message: Record<string, unknown> };
  kit: Transaction;
}

export function parseWireTransaction(wire: Uint8Array): ParsedTx {
  const vtx = VersionedTransaction.deserialize(wire);
  const msg = vtx.message;
  const b58 = getBase58Decoder();
  const signatures = vtx.signatures.map((s) => b58.decode(s));
  const signature = signatures[0];
  if (signature === undefined) throw new Error('transaction has no signatures');
  const accountKeys = msg.staticAccountKeys.map((k) => k.toBase58());
  const message: Record<string, unknown> = {
    accountKeys,
    header: msg.header,
    instructions: msg.compiledInstructions.map((ix) => ({
      accounts: ix.accountKeyIndexes,
      data: b58.decode(ix.data),
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
    kit: getTransactionDecoder().decode(wire),
  };
}
