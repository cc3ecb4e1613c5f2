import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './retry-after.ts';

const now = fc.integer({ min: 0, max: 4_000_000_000_000 });

describe('retryAfterMs', () => {
  test.prop([fc.nat({ max: 1_000_000 }), now])('delay-seconds is that many seconds, whatever the time', (s, t) => {
    expect(retryAfterMs(String(s), t)).toBe(s * 1000);
    expect(retryAfterMs(` ${s} `, t)).toBe(s * 1000);
  });

  test.prop([now, fc.integer({ min: -86_400, max: 86_400 })])('an HTTP-date is the time until then, never negative', (t, offsetS) => {
    const at = Math.floor(t / 1000) * 1000 + offsetS * 1000;
    expect(retryAfterMs(new Date(at).toUTCString(), t)).toBe(Math.max(0, at - t));
  });

  test.prop([fc.string(), now])('any other text is either unreadable (null) or a wait of zero or more', (text, t) => {
    const ms = retryAfterMs(text, t);
    if (ms !== null) expect(ms).toBeGreaterThanOrEqual(0);
  });

  it('reads nothing from an absent, empty, fractional or negative value', () => {
    for (const v of [null, undefined, '', '  ', '1.5', '-3', '1e3', 'soon']) expect(retryAfterMs(v, 0)).toBeNull();
  });
});
