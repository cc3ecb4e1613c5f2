// A 429 or 503 answer may say how long to stay away: Retry-After, as delay-seconds or as an
// HTTP-date (RFC 9110 §10.2.3). Pure, so both forms are property-tested.

/** The wait a Retry-After value asks for, in ms from `now`; null when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now: number): number | null {
  const v = header?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // Date.parse reads bare numbers as years; an HTTP-date always has a weekday and month name.
  if (!/[a-z]/i.test(v)) return null;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
