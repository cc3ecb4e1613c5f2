// How an RPC endpoint is named in metrics and logs. Providers put API keys in the query string
// (?api-key=…) or as a path segment (/<token>/), and a metric label is stored and shown to
// everyone who can read the dashboard: keep the host and port, and a path only where no segment
// could be a key.

/** A path segment this long, or with digits and letters mixed, may be a credential. */
const mayBeSecret = (segment: string) => segment.length >= 16 || (/\d/.test(segment) && /[a-z]/i.test(segment) && segment.length >= 8);

export function endpointLabel(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'invalid-url';
  }
  const segments = u.pathname.split('/').filter(Boolean);
  const path = segments.some(mayBeSecret) ? '/…' : segments.length ? `/${segments.join('/')}` : '';
  return `${u.protocol}//${u.host}${path}`;
}

/** Labels for several endpoints, made distinct when two only differed in what was hidden. */
export function endpointLabels(urls: readonly string[]): string[] {
  const labels = urls.map(endpointLabel);
  return labels.map((l, i) => (labels.indexOf(l) !== labels.lastIndexOf(l) ? `${l}#${labels.slice(0, i + 1).filter((x) => x === l).length}` : l));
}
