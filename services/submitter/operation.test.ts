import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Keypair } from '@solana/web3.js';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { avroType } from '../lib/schemas.ts';
import { checkMintAddress, expectedOwner, parseOperation } from './operation.ts';

const schema = avroType(fileURLToPath(new URL('../../schemas', import.meta.url)), 'operation.avsc');
const addr = () => Keypair.generate().publicKey.toBase58();
const valid = () => ({
  opId: randomUUID(),
  idempotencyKey: 'k',
  type: 'transfer',
  mint: addr(),
  from: addr(),
  to: addr(),
  ticketId: 't1',
  requestedAt: Date.now(),
});

describe('parseOperation', () => {
  it('accepts a valid operation and fills absent optional fields with null', () => {
    const v = valid();
    // An op written before re-requests existed is the first generation.
    expect(parseOperation(JSON.stringify(v), schema)).toEqual({ ok: true, op: { ...v, generation: 1 } });
    expect(parseOperation(JSON.stringify({ ...v, generation: 3 }), schema)).toMatchObject({ ok: true, op: { generation: 3 } });
    const { from: _f, ...mint } = { ...v, type: 'mint' };
    expect(parseOperation(JSON.stringify(mint), schema)).toMatchObject({ ok: true, op: { from: null } });
  });

  it.each([
    ['malformed JSON', '{"opId":', /malformed JSON/],
    ['unknown type', JSON.stringify({ ...valid(), type: 'teleport' }), /unknown operation type "teleport"/],
    ['invalid address', JSON.stringify({ ...valid(), to: 'not-a-key' }), /invalid address in to/],
    ['missing field', JSON.stringify({ ...valid(), ticketId: undefined }), /schema at: ticketId/],
    ['transfer without from', JSON.stringify({ ...valid(), from: null }), /transfer needs a from/],
    ['not a uuid', JSON.stringify({ ...valid(), opId: 'abc' }), /not a UUID/],
    ['generation 0', JSON.stringify({ ...valid(), generation: 0 }), /generation 0 is below 1/],
    ['fractional generation', JSON.stringify({ ...valid(), generation: 1.5 }), /schema at: generation/],
    ['array', '[]', /not a JSON object/],
  ])('rejects %s with a clear reason', (_name, raw, reason) => {
    const r = parseOperation(raw, schema);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  test.prop([fc.string()])('never throws, whatever the bytes', (raw) => {
    expect(() => parseOperation(raw, schema)).not.toThrow();
  });

  test.prop([fc.jsonValue()])('never throws on any JSON value', (v) => {
    expect(parseOperation(JSON.stringify(v), schema).ok).toBe(false);
  });

  it('keeps what it can read of a rejected op, for the dead letter and its status event', () => {
    const v = { ...valid(), to: 'bad' };
    const r = parseOperation(JSON.stringify(v), schema);
    expect(r).toMatchObject({ ok: false, partial: { opId: v.opId, mint: v.mint, type: 'transfer' } });
  });

  it('checks the mint address and names the expected owner', () => {
    const v = valid();
    const op = { ...v, type: 'mint' as const, generation: 1 };
    expect(checkMintAddress(op, v.mint)).toBeUndefined();
    expect(checkMintAddress(op, addr())).toMatch(/is not the address of ticket t1/);
    expect(expectedOwner({ type: 'burn', to: null })).toBeNull();
    expect(expectedOwner({ type: 'transfer', to: v.to })).toBe(v.to);
  });
});
