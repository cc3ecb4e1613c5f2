import { fc, test } from '@fast-check/vitest';
import { Keypair } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { requestedMint } from './request-consumer.ts';

const mint = Keypair.generate().publicKey.toBase58();

describe('requestedMint', () => {
  it('takes the mint of a mint request', () => {
    expect(requestedMint(JSON.stringify({ opId: 'x', type: 'mint', mint, to: mint }))).toBe(mint);
  });

  it('ignores transfers, burns, tombstones, malformed JSON and bad addresses', () => {
    expect(requestedMint(JSON.stringify({ type: 'transfer', mint }))).toBeUndefined();
    expect(requestedMint(JSON.stringify({ type: 'burn', mint }))).toBeUndefined();
    expect(requestedMint(null)).toBeUndefined();
    expect(requestedMint('{"type":"mint",')).toBeUndefined();
    expect(requestedMint(JSON.stringify({ type: 'mint', mint: 'not-an-address' }))).toBeUndefined();
    expect(requestedMint(JSON.stringify({ type: 'mint', mint: `${mint}x` }))).toBeUndefined();
    expect(requestedMint('null')).toBeUndefined();
  });

  test.prop([fc.oneof(fc.string(), fc.json(), fc.constant(null))])('never throws, and only ever returns a canonical address taken from the payload', (raw) => {
    const m = requestedMint(raw);
    if (m !== undefined) {
      expect(raw).not.toBeNull();
      expect((JSON.parse(raw!) as { mint: string }).mint).toBe(m);
    }
  });
});
