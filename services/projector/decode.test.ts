import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../lib/errors.ts';
import { asOperationStatus, asOwnershipChange } from './decode.ts';

const value = { mint: 'M1', owner: 'W1', tokenAccount: 'T1', amount: 1, slot: 42, commitment: 'confirmed', source: 'stream', observedAt: 1_700_000_000_000 };

describe('decoded values', () => {
  it('refuses values the contract forbids', () => {
    expect(() => asOwnershipChange({ ...value, slot: -1 }, {})).toThrow(/slot/);
    expect(() => asOwnershipChange({ ...value, mint: '' }, {})).toThrow(/mint/);
    expect(() => asOwnershipChange({ ...value, owner: 'W\u00001' }, {})).toThrow(InvalidInputError);
    expect(() => asOperationStatus({ opId: 'not-a-uuid', attempt: 1 }, {})).toThrow(/uuid/);
    expect(asOperationStatus({ opId: '00000000-0000-4000-8000-000000000001', attempt: 1, slot: null }, {}).attempt).toBe(1);
  });
});
