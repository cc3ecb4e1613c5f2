// Ed25519 signing through Node's crypto (OpenSSL) instead of web3.js's pure-JS curve code, over a
// message compiled once (legacy-message.ts). web3.js's sign-then-serialize compiles the message
// twice and re-verifies each signature it just made: together about 4 ms of CPU per transaction,
// which at 100 operations a second is most of a core. Ed25519 is deterministic.
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { Keypair, PublicKey, TransactionInstruction } from '@solana/web3.js';
import { base58 } from './base58.ts';
import { compileLegacyMessage, shortVec } from './legacy-message.ts';

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const keys = new WeakMap<Keypair, KeyObject>();

function keyOf(signer: Keypair): KeyObject {
  let key = keys.get(signer);
  if (!key) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, signer.secretKey.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
    keys.set(signer, key);
  }
  return key;
}

export interface SignedTx {
  /** The fee payer's signature: the transaction's id. */
  signature: string;
  /** Wire bytes, as sendTransaction takes them. */
  bytes: Uint8Array;
  /** How many signatures it carries (each pays the base fee). */
  signatureCount: number;
  /** The accounts the transaction writes, base58, the fee payer first. */
  writableKeys: string[];
}

/**
 * Compiles, signs for every signer the message requires (each must be given; an extra one is an
 * error, as in web3.js) and returns the wire bytes.
 */
export function signTransaction(p: {
  feePayer: PublicKey;
  instructions: readonly TransactionInstruction[];
  recentBlockhash: string;
  signers: readonly Keypair[];
}): SignedTx {
  const message = compileLegacyMessage(p.feePayer, p.instructions, p.recentBlockhash);
  // Matched by raw key bytes; base58 only names a key in an error.
  const idOf = (key: Uint8Array) => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
  const byKey = new Map(p.signers.map((s) => [idOf(s.publicKey.toBytes()), s]));
  const signatures = message.signerKeys.map((key) => {
    const signer = byKey.get(idOf(key));
    if (!signer) throw new Error(`Missing signature for ${base58(key)}`);
    byKey.delete(idOf(key));
    return sign(null, message.bytes, keyOf(signer));
  });
  if (byKey.size > 0) throw new Error(`unknown signer: ${[...byKey.values()].map((s) => s.publicKey.toBase58()).join(', ')}`);
  const bytes = Buffer.concat([Uint8Array.from(shortVec(signatures.length)), ...signatures, message.bytes]);
  return {
    signature: base58(signatures[0]!),
    bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    signatureCount: signatures.length,
    writableKeys: message.writableKeys.map(base58),
  };
}
