import { fc, test } from '@fast-check/vitest';
import { Keypair, PublicKey } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { custodialKeypair, parsePublicKey } from './keys.ts';
import { mintAddressFor, mintSeed } from './mint-address.ts';
import { slip10Ed25519 } from './slip10.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('SLIP-0010 ed25519 (published test vector 1)', () => {
  const seed = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
  it('derives the master key and its hardened children', () => {
    expect(hex(slip10Ed25519(seed, []))).toBe('2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7');
    expect(hex(slip10Ed25519(seed, [0]))).toBe('68e0fe46dfb67e368c75379acec591dad19df3cde26e63b93a8e704f1dade7a3');
    expect(hex(slip10Ed25519(seed, [0, 1]))).toBe('b1d0bad404bf35da785a64ca1ac54b2617211d2777696fbffaf208f746ae84f2');
    expect(hex(slip10Ed25519(seed, [0, 1, 2, 2, 1_000_000_000]))).toBe('8f94d394a8e8fd6b1bc2f3f49f5c47e385281d5c17e65324b0f62483e37e8793');
  });
  it('gives the master public key of the vector', () => {
    expect(hex(Keypair.fromSeed(slip10Ed25519(seed, [])).publicKey.toBytes())).toBe('a4b2856bfec510abab89753fac1ac0e1112364e7d250545963f135f2a33188ed');
  });
});

describe('custodial wallets', () => {
  test.prop([fc.uint8Array({ minLength: 32, maxLength: 64 }), fc.nat({ max: 1_000_000 })])('are deterministic per (seed, index)', (seed, index) => {
    expect(custodialKeypair(seed, index).publicKey.equals(custodialKeypair(seed, index).publicKey)).toBe(true);
  });
  it('differ between indexes', () => {
    const seed = new Uint8Array(32).fill(7);
    const addresses = new Set(Array.from({ length: 50 }, (_, i) => custodialKeypair(seed, i).publicKey.toBase58()));
    expect(addresses.size).toBe(50);
  });
});

describe('mint addresses', () => {
  const authority = Keypair.fromSeed(new Uint8Array(32).fill(1)).publicKey;
  test.prop([fc.string({ minLength: 1, maxLength: 200 })])('use a 32-character seed for any ticket id', (id) => {
    expect(mintSeed(id)).toMatch(/^[0-9a-f]{32}$/);
  });
  it('are deterministic and distinct per ticket', async () => {
    const a = await mintAddressFor(authority, 'ticket-1');
    expect((await mintAddressFor(authority, 'ticket-1')).equals(a)).toBe(true);
    expect((await mintAddressFor(authority, 'ticket-2')).equals(a)).toBe(false);
  });
});

describe('parsePublicKey', () => {
  it('accepts canonical base58 keys and refuses anything else', () => {
    const key = Keypair.generate().publicKey.toBase58();
    expect(parsePublicKey(key)?.toBase58()).toBe(key);
    // One more digit on the largest key is always past 32 bytes; on a random 43-digit key it may
    // not be (this test failed now and then when it appended to `key`).
    const largest = new PublicKey(Buffer.alloc(32, 255)).toBase58();
    for (const bad of ['', 'abc', `${largest}x`, key.replace(/./, '0'), 42, null, 'O'.repeat(44)]) expect(parsePublicKey(bad)).toBeUndefined();
  });
});
