import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { waitFor } from './wait.ts';

describe('waitFor', () => {
  test.prop([
    fc.array(fc.constantFrom(undefined, null, false), { maxLength: 5 }),
    fc.oneof(fc.integer(), fc.string(), fc.constant(true), fc.constant(0), fc.constant('')),
  ])('resolves with the first value that is not undefined, null or false, whatever came before', async (notYet, value) => {
    const answers = [...notYet, value, 'never read'];
    let calls = 0;
    await expect(waitFor('the value', () => answers[calls++], { everyMs: 0 })).resolves.toBe(value);
    expect(calls).toBe(notYet.length + 1);
  });

  it('names what it waited for when it times out', async () => {
    await expect(waitFor('the ticket to be minted', () => false, { timeoutMs: 30, everyMs: 5 })).rejects.toThrow(/waiting for the ticket to be minted/);
  });

  it('fails at once when the check throws, instead of waiting out the timeout', async () => {
    let calls = 0;
    const failing = () => {
      calls++;
      throw new Error('relation "tickets" does not exist');
    };
    await expect(waitFor('rows', failing, { timeoutMs: 60_000 })).rejects.toThrow(/does not exist/);
    expect(calls).toBe(1);
  });
});
