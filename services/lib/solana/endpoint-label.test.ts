import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { endpointLabel, endpointLabels } from './endpoint-label.ts';

const secretArb = fc.stringMatching(/^[A-Za-z0-9]{24,40}$/);

describe('endpointLabel', () => {
  it('keeps scheme, host and port, and a plain path', () => {
    expect(endpointLabel('http://127.0.0.1:8899')).toBe('http://127.0.0.1:8899');
    expect(endpointLabel('https://api.devnet.solana.com/')).toBe('https://api.devnet.solana.com');
    expect(endpointLabel('https://rpc.example.com/solana/mainnet')).toBe('https://rpc.example.com/solana/mainnet');
  });

  test.prop([secretArb, fc.constantFrom('query', 'path', 'userinfo')])('never carries a key from the query, the path or the user info', (key, where) => {
    const url =
      where === 'query'
        ? `https://mainnet.helius-rpc.com/?api-key=${key}`
        : where === 'path'
          ? `https://example.solana-mainnet.quiknode.pro/${key}/`
          : `https://user:${key}@rpc.example.com`;
    expect(endpointLabel(url)).not.toContain(key);
  });
});

describe('endpointLabels', () => {
  test.prop([
    fc.array(
      fc.oneof(
        secretArb.map((k) => `https://rpc.example.com/${k}`),
        fc.constantFrom('http://a:1', 'http://b:2'),
      ),
      { maxLength: 8 },
    ),
  ])('gives distinct endpoints distinct labels', (urls) => {
    const distinct = [...new Set(urls)];
    expect(new Set(endpointLabels(distinct)).size).toBe(distinct.length);
  });
});
