import { fc, test } from '@fast-check/vitest';
import { AccountLayout, MintLayout } from '@solana/spl-token';
import { Keypair, PublicKey } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { decodeMintAccount, decodeTokenAccount, MINT_ACCOUNT_SIZE, TOKEN_ACCOUNT_SIZE } from './token-accounts.ts';

const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => new PublicKey(b));

describe('decodeTokenAccount', () => {
  test.prop([keyArb, keyArb, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })])('agrees with spl-token for any initialized account', (mint, owner, amount) => {
    const data = Buffer.alloc(TOKEN_ACCOUNT_SIZE);
    AccountLayout.encode(
      {
        mint,
        owner,
        amount,
        delegateOption: 0,
        delegate: PublicKey.default,
        state: 1,
        isNativeOption: 0,
        isNative: 0n,
        delegatedAmount: 0n,
        closeAuthorityOption: 0,
        closeAuthority: PublicKey.default,
      },
      data,
    );
    expect(decodeTokenAccount(data)).toEqual({ mint: mint.toBase58(), owner: owner.toBase58(), amount });
  });

  it('rejects uninitialized accounts and other sizes', () => {
    expect(decodeTokenAccount(new Uint8Array(TOKEN_ACCOUNT_SIZE))).toBeNull();
    expect(decodeTokenAccount(new Uint8Array(0))).toBeNull();
    expect(decodeTokenAccount(new Uint8Array(MINT_ACCOUNT_SIZE))).toBeNull();
  });
});

describe('decodeMintAccount', () => {
  test.prop([fc.option(keyArb), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 0, max: 255 })])(
    'agrees with spl-token',
    (authority, supply, decimals) => {
      const data = Buffer.alloc(MINT_ACCOUNT_SIZE);
      MintLayout.encode(
        {
          mintAuthorityOption: authority ? 1 : 0,
          mintAuthority: authority ?? PublicKey.default,
          supply,
          decimals,
          isInitialized: true,
          freezeAuthorityOption: 0,
          freezeAuthority: Keypair.generate().publicKey,
        },
        data,
      );
      expect(decodeMintAccount(data)).toEqual({ supply, decimals, mintAuthority: authority ? authority.toBase58() : null });
    },
  );
});
