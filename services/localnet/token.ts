// SPL Token account layouts, read for jsonParsed and token methods, written for bulk seeding.
// Offsets are the token program's Pack layouts (Account: 165 bytes, Mint: 82 bytes).
import { getAddressEncoder } from '@solana/kit';
import { base58 } from '../lib/solana/base58.ts';

export const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
export const TOKEN_2022_PROGRAM = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
export const ASSOCIATED_TOKEN_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';
export const TOKEN_ACCOUNT_SIZE = 165;
export const MINT_SIZE = 82;

export interface TokenAccountState {
  mint: string;
  owner: string;
  amount: bigint;
  delegate: string | null;
  state: 'uninitialized' | 'initialized' | 'frozen';
  isNative: bigint | null;
  delegatedAmount: bigint;
  closeAuthority: string | null;
}

export interface MintState {
  mintAuthority: string | null;
  supply: bigint;
  decimals: number;
  isInitialized: boolean;
  freezeAuthority: string | null;
}

// kit's address decoder converts through BigInt, ~10 µs a key; this runs per token account listed.
const addr = (data: Uint8Array, offset: number): string => base58(data.subarray(offset, offset + 32));

function view(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

function optionAddr(data: Uint8Array, offset: number): string | null {
  return view(data).getUint32(offset, true) === 1 ? addr(data, offset + 4) : null;
}

export function isTokenProgram(owner: string): boolean {
  return owner === TOKEN_PROGRAM || owner === TOKEN_2022_PROGRAM;
}

/** Token-2022 accounts may carry extensions past the base layout; the base fields are the same. */
export function decodeTokenAccount(data: Uint8Array): TokenAccountState | null {
  if (data.length < TOKEN_ACCOUNT_SIZE || data.length === MINT_SIZE) return null;
  const v = view(data);
  const stateByte = data[108] ?? 0;
  if (stateByte === 0) return null;
  return {
    mint: addr(data, 0),
    owner: addr(data, 32),
    amount: v.getBigUint64(64, true),
    delegate: optionAddr(data, 72),
    state: stateByte === 2 ? 'frozen' : 'initialized',
    isNative: v.getUint32(109, true) === 1 ? v.getBigUint64(113, true) : null,
    delegatedAmount: v.getBigUint64(121, true),
    closeAuthority: optionAddr(data, 129),
  };
}

export function decodeMint(data: Uint8Array): MintState | null {
  if (data.length < MINT_SIZE || (data.length > MINT_SIZE && data.length <= TOKEN_ACCOUNT_SIZE)) return null;
  if (data[45] !== 1) return null;
  const v = view(data);
  return {
    mintAuthority: optionAddr(data, 0),
    supply: v.getBigUint64(36, true),
    decimals: data[44] ?? 0,
    isInitialized: true,
    freezeAuthority: optionAddr(data, 46),
  };
}

function writeOptionAddr(out: Uint8Array, offset: number, value: string | null): void {
  if (value === null) return;
  view(out).setUint32(offset, 1, true);
  out.set(getAddressEncoder().encode(value as never), offset + 4);
}

export function encodeMint(m: MintState): Uint8Array {
  const out = new Uint8Array(MINT_SIZE);
  writeOptionAddr(out, 0, m.mintAuthority);
  view(out).setBigUint64(36, m.supply, true);
  out[44] = m.decimals;
  out[45] = m.isInitialized ? 1 : 0;
  writeOptionAddr(out, 46, m.freezeAuthority);
  return out;
}

export function encodeTokenAccount(a: TokenAccountState): Uint8Array {
  const out = new Uint8Array(TOKEN_ACCOUNT_SIZE);
  out.set(getAddressEncoder().encode(a.mint as never), 0);
  out.set(getAddressEncoder().encode(a.owner as never), 32);
  view(out).setBigUint64(64, a.amount, true);
  writeOptionAddr(out, 72, a.delegate);
  out[108] = a.state === 'frozen' ? 2 : a.state === 'initialized' ? 1 : 0;
  if (a.isNative !== null) {
    view(out).setUint32(109, 1, true);
    view(out).setBigUint64(113, a.isNative, true);
  }
  view(out).setBigUint64(121, a.delegatedAmount, true);
  writeOptionAddr(out, 129, a.closeAuthority);
  return out;
}

export function uiTokenAmount(amount: bigint, decimals: number) {
  const s = amount.toString().padStart(decimals + 1, '0');
  const uiAmountString = decimals === 0 ? s : `${s.slice(0, -decimals)}.${s.slice(-decimals)}`.replace(/\.?0+$/, '');
  return { amount: amount.toString(), decimals, uiAmount: Number(uiAmountString), uiAmountString };
}

/** The `parsed` object of jsonParsed encoding, or null when the data is not a token layout. */
export function parseTokenData(data: Uint8Array, mintDecimals: (mint: string) => number | null): object | null {
  if (data.length === MINT_SIZE || (data.length > TOKEN_ACCOUNT_SIZE && decodeMint(data) && !decodeTokenAccount(data))) {
    const m = decodeMint(data);
    if (!m) return null;
    return {
      type: 'mint',
      info: {
        decimals: m.decimals,
        freezeAuthority: m.freezeAuthority,
        isInitialized: m.isInitialized,
        mintAuthority: m.mintAuthority,
        supply: m.supply.toString(),
      },
    };
  }
  const a = decodeTokenAccount(data);
  if (!a) return null;
  const decimals = mintDecimals(a.mint) ?? 0;
  const info: Record<string, unknown> = {
    isNative: a.isNative !== null,
    mint: a.mint,
    owner: a.owner,
    state: a.state,
    tokenAmount: uiTokenAmount(a.amount, decimals),
  };
  if (a.delegate !== null) {
    info.delegate = a.delegate;
    info.delegatedAmount = uiTokenAmount(a.delegatedAmount, decimals);
  }
  if (a.closeAuthority !== null) info.closeAuthority = a.closeAuthority;
  if (a.isNative !== null) info.rentExemptReserve = uiTokenAmount(a.isNative, 9);
  return { type: 'account', info };
}
