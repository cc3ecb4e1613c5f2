// Property tests on the pure cores: commitment views, blockhash ages, historical account views,
// filters, token amounts, fault counters, when to snapshot, which strings are addresses.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { valueAtView, type AccountChange, type AccountSnap } from './accounts.ts';
import { blockhashUsable, lastValidBlockHeight, viewHeights, BLOCKHASH_MAX_AGE, FINALITY_DEPTH } from './commitment.ts';
import { emptyFaults, setDropTouching, takeDrop, takeFailure, takeRateLimit } from './faults.ts';
import { matchesFilters } from './filters.ts';
import { snapshotDue } from './snapshot.ts';
import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { decodeMint, decodeTokenAccount, encodeMint, encodeTokenAccount, isTokenProgram, uiTokenAmount } from './token.ts';
import { getBase58Encoder } from '@solana/kit';
import { base58 } from '../lib/solana/base58.ts';
import { isPubkey } from './rpc/params.ts';

const height = fc.nat({ max: 1_000_000 });

test.prop([height, height, fc.nat({ max: 64 }), height])('views are ordered and never above the tip', (tip, base, c, floor) => {
  fc.pre(base <= tip && floor <= tip);
  const h = viewHeights(tip, base, c, floor);
  expect(h.finalized).toBeLessThanOrEqual(h.confirmed);
  expect(h.confirmed).toBeLessThanOrEqual(h.processed);
  expect(h.finalized).toBeGreaterThanOrEqual(base);
  expect(h.confirmed).toBeGreaterThanOrEqual(floor);
  if (tip - c >= base + FINALITY_DEPTH && floor <= tip - c) expect(h.confirmed - h.finalized).toBe(FINALITY_DEPTH);
});

test.prop([height, height])('a blockhash is usable exactly up to lastValidBlockHeight', (issued, at) => {
  expect(blockhashUsable(issued, at)).toBe(at <= issued + BLOCKHASH_MAX_AGE);
  expect(lastValidBlockHeight(issued)).toBe(issued + 150);
});

const snap = fc.record({
  lamports: fc.bigInt({ min: 1n, max: 1n << 40n }),
  data: fc.uint8Array({ maxLength: 8 }),
  owner: fc.constant('11111111111111111111111111111111'),
  executable: fc.constant(false),
});

test.prop([fc.array(fc.option(snap, { nil: null }), { minLength: 1, maxLength: 12 }), fc.nat()])(
  'the view at block k is the value written by the last block at or below k',
  (values, k0) => {
    // Block i (1-based) writes values[i-1]; the initial value is null.
    const blocks = values.map((v, i) => ({
      changes: new Map<string, AccountChange>([['x', { pre: i === 0 ? null : (values[i - 1] ?? null), post: v }]]),
    }));
    const k = k0 % (values.length + 1);
    const tip = values[values.length - 1] ?? null;
    const expected: AccountSnap | null = k === 0 ? null : (values[k - 1] ?? null);
    expect(valueAtView(tip, blocks.slice(k), 'x')).toEqual(expected);
  },
);

test.prop([fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 70 }), fc.uint8Array({ minLength: 1, maxLength: 8 })])(
  'memcmp matches exactly when the bytes are at the offset',
  (data, offset, bytes) => {
    const expected = offset + bytes.length <= data.length && bytes.every((b, i) => data[offset + i] === b);
    expect(matchesFilters(data, [{ kind: 'memcmp', offset, bytes }])).toBe(expected);
    expect(matchesFilters(data, [{ kind: 'dataSize', size: data.length }])).toBe(true);
  },
);

test.prop([fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.nat({ max: 9 })])('ui amounts keep every digit', (amount, decimals) => {
  const ui = uiTokenAmount(amount, decimals);
  const [whole, frac = ''] = ui.uiAmountString.split('.');
  expect(BigInt(whole + frac.padEnd(decimals, '0'))).toBe(amount);
});

test.prop([fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })])('token layouts round-trip', (amount) => {
  const mint = 'So11111111111111111111111111111111111111112';
  const owner = '11111111111111111111111111111111';
  const acc = { mint, owner, amount, delegate: null, state: 'initialized' as const, isNative: null, delegatedAmount: 0n, closeAuthority: null };
  expect(decodeTokenAccount(encodeTokenAccount(acc))).toEqual(acc);
  const m = { mintAuthority: null, supply: amount, decimals: 0, isInitialized: true, freezeAuthority: owner };
  expect(decodeMint(encodeMint(m))).toEqual(m);
});

test.prop([fc.nat({ max: 20 }), fc.nat({ max: 30 })])('a counted failure fails exactly that many calls', (count, calls) => {
  const f = emptyFaults();
  f.failures.set('getSlot', { remaining: count === 0 ? null : count, code: -1, message: 'x' });
  let failed = 0;
  for (let i = 0; i < calls; i++) if (takeFailure(f, 'getSlot')) failed++;
  expect(failed).toBe(count === 0 ? calls : Math.min(count, calls));
  expect(takeFailure(f, 'getBalance')).toBeNull();
});

test.prop([
  fc.option(fc.integer({ min: 1, max: 10 }), { nil: null }),
  fc.array(fc.subarray(['getSlot', 'getBalance']), { maxLength: 30 }),
  fc.nat({ max: 3600 }),
  fc.boolean(),
])('a rate limit refuses the requests naming its method, count of them, each with a Retry-After of its seconds', (count, requests, seconds, httpDate) => {
  const f = emptyFaults();
  f.rateLimits.set('getSlot', { remaining: count, retryAfterSeconds: seconds, httpDate });
  const now = 1_700_000_000_000;
  let left = count ?? Infinity;
  for (const methods of requests) {
    const header = takeRateLimit(f, methods, now);
    const refused = methods.includes('getSlot') && left > 0;
    if (refused) left--;
    expect(header !== null).toBe(refused);
    if (header === null) continue;
    // An HTTP-date has whole seconds: it names a moment in the second the wait ends.
    if (httpDate) expect(Math.floor(Date.parse(header) / 1000)).toBe(Math.floor((now + seconds * 1000) / 1000));
    else expect(header).toBe(String(seconds));
  }
  expect(f.rateLimits.has('getSlot')).toBe(left > 0);
});

const txKeys = fc.array(fc.subarray(['A', 'B', 'C', 'D']), { maxLength: 30 });
test.prop([fc.option(fc.integer({ min: 1, max: 10 }), { nil: null }), fc.nat({ max: 5 }), txKeys])(
  'a scoped drop catches only transactions naming its account, at most count of them, and spares the global counter',
  (count, global, txs) => {
    const f = emptyFaults();
    f.dropNextTransactions = global;
    setDropTouching(f, 'A', count);
    // The rule written out plainly: the account's own budget first, then the global one.
    let scopedLeft = count ?? Infinity;
    let globalLeft = global;
    const expected = txs.map((keys) => {
      if (keys.includes('A') && scopedLeft > 0) return (scopedLeft--, true);
      if (globalLeft > 0) return (globalLeft--, true);
      return false;
    });
    expect(txs.map((keys) => takeDrop(f, keys))).toEqual(expected);
    expect(f.dropNextTransactions).toBe(globalLeft);
    expect(f.dropTouching.has('A')).toBe(scopedLeft > 0);
  },
);

describe('snapshotDue', () => {
  const opts = { quietMs: 2_000, maxDeferMs: 300_000 };
  test.prop([fc.nat({ max: 1e6 }), fc.nat({ max: 1e6 }), fc.nat({ max: 1e6 })])(
    'waits while transactions land, but never longer than the longest deferral',
    (sinceTx, sinceSnapshot, base) => {
      const now = base + Math.max(sinceTx, sinceSnapshot);
      const due = snapshotDue({ now, lastTxAt: now - sinceTx, lastSnapshotAt: now - sinceSnapshot }, opts);
      if (sinceSnapshot >= opts.maxDeferMs) expect(due).toBe(true);
      if (sinceTx < opts.quietMs && sinceSnapshot < opts.maxDeferMs) expect(due).toBe(false);
      if (sinceTx >= opts.quietMs) expect(due).toBe(true);
    },
  );
});

const ALPHABET_AND_STRAYS = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0OIl+';
const kitSaysPubkey = (v: string) => {
  try {
    return v.length >= 32 && v.length <= 44 && getBase58Encoder().encode(v).length === 32;
  } catch {
    return false;
  }
};
test.prop([
  fc.oneof(
    fc.uint8Array({ minLength: 28, maxLength: 36 }).map((b) => base58(b)),
    fc.string({ unit: fc.constantFrom(...ALPHABET_AND_STRAYS), minLength: 28, maxLength: 48 }),
  ),
])('a string is an address exactly when it is base58 of 32 bytes (as kit decodes it)', (v) => {
  expect(isPubkey(v)).toBe(kitSaysPubkey(v));
});

describe('isTokenProgram', () => {
  it('knows the Token-2022 program by its real id (it held a wrong one, so Token-2022 accounts were not token accounts)', () => {
    expect(isTokenProgram(TOKEN_PROGRAM_ID.toBase58())).toBe(true);
    expect(isTokenProgram(TOKEN_2022_PROGRAM_ID.toBase58())).toBe(true);
    expect(isTokenProgram('11111111111111111111111111111111')).toBe(false);
  });
});
