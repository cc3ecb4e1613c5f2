// getProgramAccounts / programSubscribe filters. Parsing rejects what the real RPC rejects, so a
// bad filter is a -32602 rather than silently matching everything.
import { getBase58Encoder, getBase64Encoder } from '@solana/kit';

export type AccountFilter = { kind: 'dataSize'; size: number } | { kind: 'memcmp'; offset: number; bytes: Uint8Array };

export function parseFilters(raw: unknown): AccountFilter[] | string {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return 'filters must be an array';
  if (raw.length > 4) return 'Too many filters provided; max 4';
  const out: AccountFilter[] = [];
  for (const f of raw as unknown[]) {
    if (typeof f !== 'object' || f === null) return 'invalid filter';
    const o = f as Record<string, unknown>;
    if ('dataSize' in o) {
      if (!Number.isInteger(o.dataSize) || (o.dataSize as number) < 0) return 'invalid dataSize';
      out.push({ kind: 'dataSize', size: o.dataSize as number });
    } else if ('memcmp' in o && typeof o.memcmp === 'object' && o.memcmp !== null) {
      const m = o.memcmp as Record<string, unknown>;
      if (!Number.isInteger(m.offset) || (m.offset as number) < 0 || typeof m.bytes !== 'string') {
        return 'invalid memcmp filter';
      }
      const encoding = m.encoding ?? 'base58';
      try {
        const bytes = encoding === 'base58' ? getBase58Encoder().encode(m.bytes) : encoding === 'base64' ? getBase64Encoder().encode(m.bytes) : null;
        if (bytes === null) return `unsupported memcmp encoding ${String(encoding)}`;
        if (encoding === 'base58' && m.bytes.length > 128) return 'memcmp bytes too long';
        out.push({ kind: 'memcmp', offset: m.offset as number, bytes: new Uint8Array(bytes) });
      } catch {
        return 'invalid memcmp bytes';
      }
    } else {
      return 'unknown filter';
    }
  }
  return out;
}

export function matchesFilters(data: Uint8Array, filters: readonly AccountFilter[]): boolean {
  for (const f of filters) {
    if (f.kind === 'dataSize') {
      if (data.length !== f.size) return false;
    } else {
      if (f.offset + f.bytes.length > data.length) return false;
      for (let i = 0; i < f.bytes.length; i++) if (data[f.offset + i] !== f.bytes[i]) return false;
    }
  }
  return true;
}
