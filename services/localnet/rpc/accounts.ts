// Account reads, each answered at the requested commitment.
import { getAddressEncoder, type Address } from '@solana/kit';
import type { AccountSnap } from '../accounts.ts';
import { encodeAccount } from '../encoding.ts';
import { matchesFilters, parseFilters, type AccountFilter } from '../filters.ts';
import { multipleAccountsRefusal, PRIVATE_NODE_LIMITS, scanRefusal } from '../provider-limits.ts';
import { PREFIX_LENGTH } from '../svm.ts';
import { decodeMint, decodeTokenAccount, TOKEN_PROGRAM, uiTokenAmount } from '../token.ts';
import { mintDecimalsAt, withContext, type Handler } from './context.ts';
import { invalidParams } from './errors.ts';
import { commitmentOf, configAt, dataSliceOf, encodingOf, isPubkey, leadingConfig, pubkeyAt } from './params.ts';

/** A token account's first field is its mint, so by-mint lookups can use the ledger's prefix index. */
function addressBytes(address: string): Uint8Array {
  return new Uint8Array(getAddressEncoder().encode(address as Address));
}

/** A memcmp at offset 0 at least PREFIX_LENGTH long narrows the listing through the prefix index. */
function indexedPrefix(filters: readonly AccountFilter[]): Uint8Array | undefined {
  for (const f of filters) {
    if (f.kind === 'memcmp' && f.offset === 0 && f.bytes.length >= PREFIX_LENGTH) return f.bytes.subarray(0, PREFIX_LENGTH);
  }
  return undefined;
}

export const accountMethods: Record<string, Handler> = {
  getBalance: (p, ctx) => {
    const key = pubkeyAt(p, 0);
    const level = commitmentOf(leadingConfig(p, 1));
    return withContext(ctx, level, Number(ctx.chain.getAccount(key, level)?.lamports ?? 0n));
  },
  getAccountInfo: (p, ctx) => {
    const key = pubkeyAt(p, 0);
    const config = configAt(p, 1);
    const level = commitmentOf(config);
    const a = ctx.chain.getAccount(key, level);
    const value = a ? encodeAccount(a, encodingOf(config), dataSliceOf(config), mintDecimalsAt(ctx, level)) : null;
    return withContext(ctx, level, value);
  },
  getMultipleAccounts: (p, ctx) => {
    const keys = p[0];
    if (!Array.isArray(keys) || !keys.every(isPubkey)) throw invalidParams('Invalid param: pubkeys');
    const tooMany = multipleAccountsRefusal(ctx.limits ?? PRIVATE_NODE_LIMITS, keys.length);
    if (tooMany) throw tooMany;
    const config = configAt(p, 1);
    const level = commitmentOf(config);
    const encoding = encodingOf(config);
    const slice = dataSliceOf(config);
    const decimals = mintDecimalsAt(ctx, level);
    return withContext(
      ctx,
      level,
      keys.map((k) => {
        const a = ctx.chain.getAccount(k, level);
        return a ? encodeAccount(a, encoding, slice, decimals) : null;
      }),
    );
  },
  getProgramAccounts: (p, ctx) => {
    const program = pubkeyAt(p, 0);
    const config = configAt(p, 1);
    const level = commitmentOf(config);
    const filters = parseFilters(config.filters);
    if (typeof filters === 'string') throw invalidParams(`Invalid params: ${filters}`);
    const refused = ctx.limits && scanRefusal(ctx.limits, program, filters);
    if (refused) throw refused;
    const encoding = encodingOf(config);
    const slice = dataSliceOf(config);
    const decimals = mintDecimalsAt(ctx, level);
    const value = ctx.chain
      .getProgramAccounts(program, level, indexedPrefix(filters))
      .filter(([, a]) => matchesFilters(a.data, filters))
      .map(([pubkey, a]) => ({ pubkey, account: encodeAccount(a, encoding, slice, decimals) }));
    return config.withContext === true ? withContext(ctx, level, value) : value;
  },
  getTokenAccountsByOwner: (p, ctx) => {
    const owner = pubkeyAt(p, 0);
    const filter = configAt(p, 1);
    const config = configAt(p, 2);
    const level = commitmentOf(config);
    let program: string;
    let mint: string | null = null;
    if (isPubkey(filter.mint)) {
      mint = filter.mint;
      program = ctx.chain.getAccount(mint, level)?.owner ?? TOKEN_PROGRAM;
    } else if (isPubkey(filter.programId)) {
      program = filter.programId;
    } else {
      throw invalidParams('Invalid params: expected mint or programId filter');
    }
    const encoding = encodingOf(config);
    const slice = dataSliceOf(config);
    const decimals = mintDecimalsAt(ctx, level);
    const value = ctx.chain
      .getProgramAccounts(program, level, mint === null ? undefined : addressBytes(mint))
      .filter(([, a]) => {
        const t = decodeTokenAccount(a.data);
        return t !== null && t.owner === owner && (mint === null || t.mint === mint);
      })
      .map(([pubkey, a]) => ({ pubkey, account: encodeAccount(a, encoding, slice, decimals) }));
    return withContext(ctx, level, value);
  },
  getTokenAccountBalance: (p, ctx) => {
    const key = pubkeyAt(p, 0);
    const level = commitmentOf(configAt(p, 1));
    const a = ctx.chain.getAccount(key, level);
    const t = a ? decodeTokenAccount(a.data) : null;
    if (!t) throw invalidParams('Invalid param: not a Token account');
    return withContext(ctx, level, uiTokenAmount(t.amount, mintDecimalsAt(ctx, level)(t.mint) ?? 0));
  },
  getTokenSupply: (p, ctx) => {
    const mint = pubkeyAt(p, 0);
    const level = commitmentOf(configAt(p, 1));
    const a = ctx.chain.getAccount(mint, level);
    const m = a ? decodeMint(a.data) : null;
    if (!m) throw invalidParams('Invalid param: not a Token mint');
    return withContext(ctx, level, uiTokenAmount(m.supply, m.decimals));
  },
  getTokenLargestAccounts: (p, ctx) => {
    const mint = pubkeyAt(p, 0);
    const level = commitmentOf(configAt(p, 1));
    const mintAcc = ctx.chain.getAccount(mint, level);
    if (!mintAcc) throw invalidParams('Invalid param: could not find mint');
    const decimals = mintAcc.data[44] ?? 0;
    const holders: Array<[string, bigint]> = [];
    for (const [k, a] of ctx.chain.getProgramAccounts(mintAcc.owner, level, addressBytes(mint)) as Array<[string, AccountSnap]>) {
      const t = decodeTokenAccount(a.data);
      if (t && t.mint === mint) holders.push([k, t.amount]);
    }
    holders.sort((x, y) => (y[1] > x[1] ? 1 : y[1] < x[1] ? -1 : 0));
    return withContext(
      ctx,
      level,
      holders.slice(0, 20).map(([address, amount]) => ({ address, ...uiTokenAmount(amount, decimals) })),
    );
  },
};
