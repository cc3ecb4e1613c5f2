import fc from 'fast-check';
import { Connection } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { MalformedRpcResult, parseSignatureStatuses } from './signature-statuses.ts';

/** web3.js's own reading of the same answer (its fetch replaced), as the reference. */
async function web3Reading(result: unknown, count: number) {
  const fetch = async () => new Response(JSON.stringify({ jsonrpc: '2.0', id: '1', result }), { status: 200, headers: { 'content-type': 'application/json' } });
  const conn = new Connection('http://127.0.0.1:1', { fetch: fetch as unknown as typeof globalThis.fetch, disableRetryOnRateLimit: true });
  const sigs = Array.from({ length: count }, (_, i) => `sig${i}`);
  const { value } = await conn.getSignatureStatuses(sigs);
  return value.map((s) => (s ? { slot: s.slot, err: s.err, confirmationStatus: s.confirmationStatus ?? null } : null));
}

const status = fc.record(
  {
    slot: fc.nat(),
    confirmations: fc.option(fc.nat(), { nil: null }),
    err: fc.oneof(fc.constant(null), fc.constantFrom('AccountInUse', 'BlockhashNotFound'), fc.constant({ InstructionError: [0, { Custom: 1 }] })),
    confirmationStatus: fc.constantFrom('processed', 'confirmed', 'finalized'),
  },
  { requiredKeys: ['slot', 'confirmations', 'err'] },
);
const value = fc.array(fc.option(status, { nil: null }), { maxLength: 20 });
const answer = (v: unknown[]) => ({ context: { slot: 123 }, value: v });

describe('parseSignatureStatuses', () => {
  it('reads any well-formed answer as web3.js does', async () => {
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        expect(parseSignatureStatuses(answer(v), v.length)).toEqual(await web3Reading(answer(v), v.length));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses any answer with a field of the wrong kind, as web3.js does', async () => {
    const wrong = fc.constantFrom(
      ['slot', '12'],
      ['slot', null],
      ['confirmations', 'many'],
      ['err', 5],
      ['confirmationStatus', 'rooted'],
      ['confirmationStatus', 3],
    ) as fc.Arbitrary<[string, unknown]>;
    await fc.assert(
      fc.asyncProperty(fc.array(status, { minLength: 1, maxLength: 8 }), fc.nat(), wrong, async (v, at, [field, bad]) => {
        const broken = v.map((s, i) => (i === at % v.length ? { ...s, [field]: bad } : s));
        expect(() => parseSignatureStatuses(answer(broken), broken.length)).toThrow(MalformedRpcResult);
        await expect(web3Reading(answer(broken), broken.length)).rejects.toThrow();
      }),
      { numRuns: 100 },
    );
  });

  it('refuses an answer without context or value, or with a status count other than the signatures asked', () => {
    expect(() => parseSignatureStatuses({ value: [] }, 0)).toThrow(/no context slot/);
    expect(() => parseSignatureStatuses({ context: { slot: 1 }, value: {} }, 0)).toThrow(/not an array/);
    expect(() => parseSignatureStatuses(answer([null]), 2)).toThrow(/1 statuses for 2 signatures/);
    expect(() => parseSignatureStatuses(answer(['x']), 1)).toThrow(/status 0 is not an object/);
  });
});
