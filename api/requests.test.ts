import { fc, test } from '@fast-check/vitest';
import { Keypair } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../services/lib/errors.ts';
import { IdempotencyConflictError, requestHash, resolveIdempotency, validateRequest, type AnyRequest } from './requests.ts';

const address = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Keypair.fromSeed(b).publicKey.toBase58());
const id = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '');
const requestArb: fc.Arbitrary<AnyRequest> = fc.oneof(
  fc.record({ type: fc.constant('mint' as const), ticketId: id, to: address, idempotencyKey: id }),
  fc.record({ type: fc.constant('transfer' as const), ticketId: id, to: address, from: fc.option(address, { nil: undefined }), idempotencyKey: id }),
  fc.record({ type: fc.constant('burn' as const), ticketId: id, from: fc.option(address, { nil: undefined }), idempotencyKey: id }),
);

describe('idempotency rules', () => {
  test.prop([requestArb, id])('the same request under any key hashes the same, so a retry returns the existing operation', (req, otherKey) => {
    const hash = requestHash(req);
    expect(requestHash({ ...req, idempotencyKey: otherKey })).toBe(hash);
    expect(resolveIdempotency({ opId: 'op', requestHash: hash }, requestHash(req), req.idempotencyKey)).toBe('existing');
  });

  test.prop([requestArb, requestArb])('a different request under a used key is a conflict', (a, b) => {
    fc.pre(requestHash(a) !== requestHash(b));
    expect(() => resolveIdempotency({ opId: 'op-a', requestHash: requestHash(a) }, requestHash(b), a.idempotencyKey)).toThrow(IdempotencyConflictError);
  });

  test.prop([requestArb, requestArb])('hashes differ whenever type, ticket, to or from differ', (a, b) => {
    const same =
      a.type === b.type &&
      a.ticketId === b.ticketId &&
      ('to' in a ? a.to : null) === ('to' in b ? b.to : null) &&
      (('from' in a ? a.from : undefined) ?? null) === (('from' in b ? b.from : undefined) ?? null);
    expect(requestHash(a) === requestHash(b)).toBe(same);
  });

  it('an unused key is new', () => {
    expect(resolveIdempotency(undefined, 'h', 'k')).toBe('new');
  });
});

describe('validateRequest', () => {
  test.prop([requestArb])('accepts every well-formed request', (req) => {
    fc.pre(!(req.type === 'transfer' && req.from === req.to));
    expect(validateRequest(req)).toBe(req);
  });

  // Invalid by construction: wrong length, or a character outside the base58 alphabet.
  const junkAddress = fc.oneof(
    fc.string({ maxLength: 31 }),
    fc.string({ minLength: 45, maxLength: 90 }),
    fc.tuple(address, fc.nat(), fc.constantFrom('0', 'O', 'I', 'l', ' ', '-')).map(([a, i, c]) => a.slice(0, i % a.length) + c + a.slice((i % a.length) + 1)),
  );
  test.prop([requestArb, junkAddress])('refuses any malformed address as invalid input', (req, junk) => {
    fc.pre(req.type !== 'burn');
    expect(() => validateRequest({ ...req, to: junk })).toThrow(InvalidInputError);
  });

  it('refuses an unknown type, empty ids and a self-transfer', () => {
    const to = Keypair.generate().publicKey.toBase58();
    expect(() => validateRequest({ type: 'sell', ticketId: 't', to, idempotencyKey: 'k' } as unknown as AnyRequest)).toThrow(/unknown operation type/);
    expect(() => validateRequest({ type: 'mint', ticketId: '', to, idempotencyKey: 'k' })).toThrow(/ticketId/);
    expect(() => validateRequest({ type: 'mint', ticketId: 't', to, idempotencyKey: ' ' })).toThrow(/idempotencyKey/);
    expect(() => validateRequest({ type: 'transfer', ticketId: 't', to, from: to, idempotencyKey: 'k' })).toThrow(/same wallet/);
  });
});
