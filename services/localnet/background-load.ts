// Other people's activity on a public cluster: fungible-token transfers among many holders, new
// token accounts, other collections' NFT mints, transfers and burns, each paying a priority fee
// around its slot's level. A platform on devnet or mainnet-beta shares every block, every Token
// program listing and every fee market with such traffic; without it, the local chain holds only
// the platform's own accounts and a subscription or scan sees nothing it did not cause.
//
// The decisions (how many transactions a slot carries, which, at what price) are a seeded plan:
// pure, and the same seed gives the same plan. The driver turns a slot's plan into signed
// transactions and queues them on the chain as sendTransaction does, but not through HTTP: they
// are not a client's requests, so no rate limit, dropped-transaction fault or congestion gate
// applies to them.
import { createHash } from 'node:crypto';
import { Keypair, PublicKey, SystemProgram, type TransactionInstruction } from '@solana/web3.js';
import {
  AuthorityType,
  TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  createBurnCheckedInstruction,
  createCloseAccountInstruction,
  createInitializeMint2Instruction,
  createMintToInstruction,
  createSetAuthorityInstruction,
  createTransferCheckedInstruction,
} from '@solana/spl-token';
import type { Logger } from '../lib/logger.ts';
import { computeBudgetInstructions } from '../lib/solana/compute-budget.ts';
import { signTransaction } from '../lib/solana/signing.ts';
import { tokenAccountOf } from '../lib/solana/transactions.ts';
import type { AccountSnap } from './accounts.ts';
import type { Chain } from './chain.ts';
import { encodeMint, encodeTokenAccount, MINT_SIZE, TOKEN_ACCOUNT_SIZE, TOKEN_PROGRAM } from './token.ts';

/** The slot length a manual clock's slot stands for when the load is given as a rate: mainnet-beta's. */
export const NOMINAL_SLOT_MS = 400;
export const MAX_BACKGROUND_TPS = 100_000;

/** sfc32: small state, fast, and good enough to make traffic look random; what matters is that a seed replays. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    // The first outputs of sfc32 still show the seed's bits.
    for (let i = 0; i < 12; i++) this.next32();
  }

  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** In [0, 1). */
  next(): number {
    return this.next32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/**
 * The transactions a slot of `slotMs` carries at `tps`. The fraction left over (in tx·ms, so the
 * arithmetic is exact) is carried to the next slot: over any run of slots the count stays within
 * one transaction of the rate, however the rate divides.
 */
export function slotShare(tps: number, slotMs: number, carry: number): { count: number; carry: number } {
  const total = carry + tps * slotMs;
  const count = Math.floor(total / 1000);
  return { count, carry: total - count * 1000 };
}

export type BackgroundTx =
  /** Between two holders' accounts of one fungible mint; the sender pays. */
  | { kind: 'ftTransfer'; mint: number; from: number; to: number; amount: number }
  /** A holder sends to an owner nobody has sent that mint to before: a new token account. */
  | { kind: 'tokenAccount'; mint: number; from: number; freshOwner: number; amount: number }
  /** The collection's authority mints NFT `nft` to a holder. */
  | { kind: 'nftMint'; nft: number; collection: number; owner: number }
  /** The holder moves the NFT to another holder; its emptied account is closed. */
  | { kind: 'nftTransfer'; nft: number; collection: number; from: number; to: number }
  | { kind: 'nftBurn'; nft: number; collection: number; owner: number };

export type PlannedTx = BackgroundTx & {
  /** Micro-lamports per compute unit: at least the slot's level. */
  unitPrice: bigint;
};

export interface SlotPlan {
  /** The priority-fee level of the slot: the lowest price its transactions pay. */
  level: bigint;
  txs: PlannedTx[];
  /** NFTs the plan stopped tracking to stay within its cap; they stay on chain, untouched. */
  forgotten: number[];
}

export interface PlanShape {
  fungibleMints: number;
  /** Signing wallets: they hold every fungible mint and the NFTs, and pay for what they send. */
  holders: number;
  collections: number;
  /** Live NFTs the plan remembers; past it, minting makes it forget one. */
  maxTrackedNfts: number;
}

export const DEFAULT_SHAPE: PlanShape = { fungibleMints: 4, holders: 256, collections: 3, maxTrackedNfts: 10_000 };

/** Weights of the kinds; a transfer or burn with no NFT to move becomes a mint. */
const MIX: ReadonlyArray<readonly [BackgroundTx['kind'], number]> = [
  ['ftTransfer', 40],
  ['tokenAccount', 15],
  ['nftMint', 20],
  ['nftTransfer', 17],
  ['nftBurn', 8],
];
const MIX_TOTAL = MIX.reduce((s, [, w]) => s + w, 0);

/**
 * A slot's priority-fee level: mostly calm (1,000 to 20,000 micro-lamports per unit), now and
 * then busy (20,000 to 500,000), log-uniform within each, as fee markets spread.
 */
export function drawLevel(rng: Rng): bigint {
  const busy = rng.next() < 0.15;
  const [lo, hi] = busy ? [20_000, 500_000] : [1_000, 20_000];
  return BigInt(Math.round(lo * Math.pow(hi / lo, rng.next())));
}

interface HeldNft {
  nft: number;
  collection: number;
  owner: number;
}

/** What other people do, slot by slot, from a seed. Holds no keys: only indexes the driver maps to accounts. */
export class BackgroundPlan {
  readonly shape: PlanShape;
  private readonly rng: Rng;
  /** Unordered: an NFT is picked and removed by index (swapped with the last), in constant time. */
  private readonly held: HeldNft[] = [];
  private nextNft = 0;
  private nextFresh = 0;

  constructor(seed: number, shape: Partial<PlanShape> = {}) {
    this.shape = { ...DEFAULT_SHAPE, ...shape };
    if (this.shape.holders < 2) throw new Error('the background load needs at least two holders');
    if (this.shape.fungibleMints < 1 || this.shape.collections < 1 || this.shape.maxTrackedNfts < 1) {
      throw new Error('the background load needs a fungible mint, a collection and room for an NFT');
    }
    this.rng = new Rng(seed);
  }

  tracked(): number {
    return this.held.length;
  }

  next(count: number): SlotPlan {
    const rng = this.rng;
    const level = drawLevel(rng);
    const txs: PlannedTx[] = [];
    const forgotten: number[] = [];
    const { holders, fungibleMints, collections, maxTrackedNfts } = this.shape;
    const otherHolder = (than: number) => {
      const h = rng.int(holders - 1);
      return h >= than ? h + 1 : h;
    };
    for (let i = 0; i < count; i++) {
      let kind = pick(rng);
      if ((kind === 'nftTransfer' || kind === 'nftBurn') && this.held.length === 0) kind = 'nftMint';
      let tx: BackgroundTx;
      switch (kind) {
        case 'ftTransfer': {
          const from = rng.int(holders);
          tx = { kind, mint: rng.int(fungibleMints), from, to: otherHolder(from), amount: 1 + rng.int(1_000_000) };
          break;
        }
        case 'tokenAccount':
          tx = { kind, mint: rng.int(fungibleMints), from: rng.int(holders), freshOwner: this.nextFresh++, amount: 1 + rng.int(1_000_000) };
          break;
        case 'nftMint': {
          if (this.held.length >= maxTrackedNfts) forgotten.push(this.take(rng.int(this.held.length)).nft);
          const minted = { nft: this.nextNft++, collection: rng.int(collections), owner: rng.int(holders) };
          this.held.push(minted);
          tx = { kind, ...minted };
          break;
        }
        case 'nftTransfer': {
          const nft = this.held[rng.int(this.held.length)]!;
          const to = otherHolder(nft.owner);
          tx = { kind, nft: nft.nft, collection: nft.collection, from: nft.owner, to };
          nft.owner = to;
          break;
        }
        case 'nftBurn': {
          const nft = this.take(rng.int(this.held.length));
          tx = { kind, nft: nft.nft, collection: nft.collection, owner: nft.owner };
          break;
        }
      }
      // Each pays a little above the level, so the level is the slot's lowest price, as a node reports it.
      txs.push({ ...tx, unitPrice: level + BigInt(rng.int(Number(level / 4n) + 1)) });
    }
    return { level, txs, forgotten };
  }

  private take(index: number): HeldNft {
    const last = this.held.pop()!;
    if (index >= this.held.length) return last;
    const taken = this.held[index]!;
    this.held[index] = last;
    return taken;
  }
}

function pick(rng: Rng): BackgroundTx['kind'] {
  let r = rng.int(MIX_TOTAL);
  for (const [kind, weight] of MIX) {
    if (r < weight) return kind;
    r -= weight;
  }
  return 'ftTransfer';
}

/** Compute units each kind may use: what it consumes on the SPL programs, with room to spare. */
const UNIT_LIMITS: Record<BackgroundTx['kind'], number> = {
  ftTransfer: 20_000,
  tokenAccount: 60_000,
  nftMint: 120_000,
  nftTransfer: 60_000,
  nftBurn: 30_000,
};

const FUNGIBLE_DECIMALS = 6;
/** Each holder's starting balance of each fungible mint: no run of random transfers drains it. */
const HOLDER_TOKENS = 10n ** 15n;
/** Lamports kept in every paying wallet (below 2^53, so JSON numbers stay exact), topped up when it falls below a tenth. */
const HOLDER_LAMPORTS = 10n ** 13n;
const AUTHORITY_LAMPORTS = 10n ** 15n;

export interface BackgroundLoadOptions {
  chain: Chain;
  seed: number;
  tps: number;
  /** The chain's slot length; 0: a manual clock. */
  slotMs: number;
  /** With a manual clock: transactions per produced slot, instead of tps × NOMINAL_SLOT_MS / 1000. */
  perSlot?: number;
  /** Credits lamports outside any transaction (the server's faucet-free funding). */
  fund(address: string, lamports: bigint): void;
  logger: Logger;
  shape?: Partial<PlanShape>;
}

export interface BackgroundState {
  tps: number;
  /** Transactions per slot at the current rate (a manual clock's per-slot count, when one is set). */
  perSlot: number;
  seed: number;
  /** Background transactions in blocks (failed ones included), that failed, and queued but never landed. */
  landed: number;
  failed: number;
  lost: number;
  trackedNfts: number;
  /** The last slot's level (0 when it carried no background transaction). */
  levelMicroLamports: string;
  /** Addresses a test or a user can watch: the busy fungible mints, and each collection's authority. */
  fungibleMints: string[];
  collectionAuthorities: string[];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** PublicKey.createWithSeed, synchronously: sha256(base ‖ seed ‖ program). */
function addressWithSeed(base: PublicKey, seed: string, program: PublicKey): PublicKey {
  return new PublicKey(createHash('sha256').update(base.toBytes()).update(seed).update(program.toBytes()).digest());
}

interface Keys {
  holders: Keypair[];
  fungibleMints: PublicKey[];
  /** holderAccounts[mint][holder]: derived once, as deriving an associated account costs a PDA search. */
  holderAccounts: PublicKey[][];
  authorities: Keypair[];
}

/**
 * Plans each slot and lands its transactions through the chain's own path. Call queue() right
 * before the chain produces a block and settle() after it. Between slots, begin() and
 * step() build the next slot's transactions a few at a time, so a slot at a high rate does not
 * stop the event loop for the whole of its building; queue() builds whatever is left.
 */
export class BackgroundLoad {
  private readonly opts: BackgroundLoadOptions;
  private readonly plan: BackgroundPlan;
  private tpsNow: number;
  private perSlotOverride: number | undefined;
  private carry = 0;
  private keys: Keys | null = null;
  /** Distinguishes this run's NFT mint and fresh-owner addresses from an earlier run's on a restored chain. */
  private readonly runTag: string;
  /** The mint and current token account of each tracked NFT: bounded by the plan's cap. */
  private readonly nfts = new Map<number, { mint: PublicKey; account: PublicKey }>();
  private mintRent = 0;
  /** The slot being built: its plan, how far building got, and the blockhash it signs with. */
  private work: { plan: SlotPlan; built: number; blockhash: string } | null = null;
  private queued: string[] = [];
  private lastLevel = 0n;
  private fundCursor = 0;
  private counts = { landed: 0, failed: 0, lost: 0 };

  constructor(opts: BackgroundLoadOptions) {
    this.opts = opts;
    this.plan = new BackgroundPlan(opts.seed, opts.shape);
    this.tpsNow = opts.tps;
    this.perSlotOverride = opts.perSlot;
    // Slots only move forward, so the tip at start names this run apart from any earlier one.
    this.runTag = opts.chain.tip().slot.toString(36);
  }

  /** A new rate from the next slot; it replaces a manual clock's per-slot count. */
  setTps(tps: number): void {
    if (!Number.isInteger(tps) || tps < 0 || tps > MAX_BACKGROUND_TPS) throw new Error(`background tps must be an integer in 0..${MAX_BACKGROUND_TPS}`);
    this.tpsNow = tps;
    this.perSlotOverride = undefined;
  }

  /** How many transactions the next slot gets at the current rate, without taking them. */
  perSlot(): number {
    if (this.tpsNow === 0) return 0;
    if (this.opts.slotMs === 0 && this.perSlotOverride !== undefined) return this.perSlotOverride;
    return (this.tpsNow * (this.opts.slotMs || NOMINAL_SLOT_MS)) / 1000;
  }

  private takeCount(): number {
    if (this.tpsNow === 0) return 0;
    if (this.opts.slotMs === 0 && this.perSlotOverride !== undefined) return this.perSlotOverride;
    const share = slotShare(this.tpsNow, this.opts.slotMs || NOMINAL_SLOT_MS, this.carry);
    this.carry = share.carry;
    return share.count;
  }

  /** Plans the next slot, unless it is planned already; its transactions are built by step() or queue(). */
  begin(): void {
    if (this.work) return;
    const count = this.takeCount();
    if (count === 0) return;
    try {
      const keys = (this.keys ??= this.setUp());
      this.topUp(keys);
      const plan = this.plan.next(count);
      for (const nft of plan.forgotten) this.nfts.delete(nft);
      this.work = { plan, built: 0, blockhash: this.opts.chain.tip().blockhash };
    } catch (e) {
      this.opts.logger.error({ err: e }, 'background load: the slot could not be planned');
    }
  }

  /** Builds and queues up to `n` more of the planned slot's transactions; true while some are left. */
  step(n: number): boolean {
    const work = this.work;
    if (!work || !this.keys) return false;
    const end = Math.min(work.plan.txs.length, work.built + n);
    try {
      for (; work.built < end; work.built++) {
        const signed = this.build(this.keys, work.plan.txs[work.built]!, work.blockhash);
        const result = this.opts.chain.submit(signed.bytes, { skipPreflight: true, drop: false });
        if (result.ok) this.queued.push(result.signature);
      }
    } catch (e) {
      // A slot short of its background is better than a chain that stops producing slots.
      this.opts.logger.error({ err: e }, 'background load: a transaction could not be built; the rest of the slot’s are skipped');
      work.built = work.plan.txs.length;
    }
    return work.built < work.plan.txs.length;
  }

  /** Right before the chain produces a block: the slot's whole share is queued, whatever step() had time for. */
  queue(): void {
    this.begin();
    this.step(Number.POSITIVE_INFINITY);
  }

  /**
   * After the block: counts what landed (in it, or in a block a fork made meanwhile); returns the slot's
   * level, 0 when none of the background's transactions landed.
   */
  settle(): bigint {
    let landed = 0;
    for (const signature of this.queued) {
      const rec = this.opts.chain.getTx(signature);
      if (rec) {
        landed++;
        if (rec.err !== null) this.counts.failed++;
      } else this.counts.lost++;
    }
    this.counts.landed += landed;
    this.queued = [];
    this.lastLevel = landed > 0 && this.work ? this.work.plan.level : 0n;
    this.work = null;
    return this.lastLevel;
  }

  describe(): BackgroundState {
    return {
      tps: this.tpsNow,
      perSlot: this.perSlot(),
      seed: this.opts.seed,
      ...this.counts,
      trackedNfts: this.plan.tracked(),
      levelMicroLamports: String(this.lastLevel),
      fungibleMints: this.keys?.fungibleMints.map((m) => m.toBase58()) ?? [],
      collectionAuthorities: this.keys?.authorities.map((a) => a.publicKey.toBase58()) ?? [],
    };
  }

  /**
   * Keys from the seed, so the same seed finds the same holders on a restored chain; the fungible
   * mints and the holders' accounts are written into state once, as genesis accounts would be.
   */
  private setUp(): Keys {
    const { seed, chain } = this.opts;
    const { holders, fungibleMints, collections } = this.plan.shape;
    const keypair = (name: string) => Keypair.fromSeed(sha256(`chainsync:background:${seed}:${name}`));
    const keys: Keys = {
      holders: Array.from({ length: holders }, (_, i) => keypair(`holder:${i}`)),
      fungibleMints: Array.from({ length: fungibleMints }, (_, i) => new PublicKey(sha256(`chainsync:background:${seed}:fungible:${i}`))),
      holderAccounts: [],
      authorities: Array.from({ length: collections }, (_, i) => keypair(`collection:${i}`)),
    };
    keys.holderAccounts = keys.fungibleMints.map((mint) => keys.holders.map((h) => tokenAccountOf(mint, h.publicKey)));
    const accountRent = chain.svm.minimumBalanceForRentExemption(BigInt(TOKEN_ACCOUNT_SIZE));
    this.mintRent = Number(chain.svm.minimumBalanceForRentExemption(BigInt(MINT_SIZE)));
    const writes: Array<[string, AccountSnap]> = [];
    keys.fungibleMints.forEach((mint, m) => {
      if (chain.getAccount(mint.toBase58(), 'processed')) return;
      const supply = HOLDER_TOKENS * BigInt(holders);
      const data = encodeMint({ mintAuthority: null, supply, decimals: FUNGIBLE_DECIMALS, isInitialized: true, freezeAuthority: null });
      writes.push([mint.toBase58(), { lamports: BigInt(this.mintRent), data, owner: TOKEN_PROGRAM, executable: false }]);
      keys.holders.forEach((h, i) => {
        const data = encodeTokenAccount({
          mint: mint.toBase58(),
          owner: h.publicKey.toBase58(),
          amount: HOLDER_TOKENS,
          delegate: null,
          state: 'initialized',
          isNative: null,
          delegatedAmount: 0n,
          closeAuthority: null,
        });
        writes.push([keys.holderAccounts[m]![i]!.toBase58(), { lamports: accountRent, data, owner: TOKEN_PROGRAM, executable: false }]);
      });
    });
    chain.seedAccounts(writes);
    for (const h of keys.holders) this.fillUp(h.publicKey, HOLDER_LAMPORTS, 2n);
    for (const a of keys.authorities) this.fillUp(a.publicKey, AUTHORITY_LAMPORTS, 2n);
    return keys;
  }

  /** One paying wallet per slot, in turn: a check costs an account read, and wallets drain slowly. */
  private topUp(keys: Keys): void {
    const payers = keys.holders.length + keys.authorities.length;
    const i = this.fundCursor++ % payers;
    if (i < keys.holders.length) this.fillUp(keys.holders[i]!.publicKey, HOLDER_LAMPORTS, 10n);
    else this.fillUp(keys.authorities[i - keys.holders.length]!.publicKey, AUTHORITY_LAMPORTS, 10n);
  }

  private fillUp(wallet: PublicKey, target: bigint, belowFraction: bigint): void {
    const address = wallet.toBase58();
    const lamports = this.opts.chain.getAccount(address, 'processed')?.lamports ?? 0n;
    if (lamports < target / belowFraction) this.opts.fund(address, target - lamports);
  }

  private build(keys: Keys, tx: PlannedTx, recentBlockhash: string) {
    const sign = (payer: Keypair, instructions: TransactionInstruction[]) =>
      signTransaction({
        feePayer: payer.publicKey,
        instructions: [...computeBudgetInstructions({ unitPrice: tx.unitPrice, unitLimit: UNIT_LIMITS[tx.kind] }), ...instructions],
        recentBlockhash,
        signers: [payer],
      });
    switch (tx.kind) {
      case 'ftTransfer': {
        const from = keys.holders[tx.from]!;
        const mint = keys.fungibleMints[tx.mint]!;
        const accounts = keys.holderAccounts[tx.mint]!;
        return sign(from, [createTransferCheckedInstruction(accounts[tx.from]!, mint, accounts[tx.to]!, from.publicKey, tx.amount, FUNGIBLE_DECIMALS)]);
      }
      case 'tokenAccount': {
        const from = keys.holders[tx.from]!;
        const mint = keys.fungibleMints[tx.mint]!;
        const owner = new PublicKey(sha256(`chainsync:background:${this.opts.seed}:${this.runTag}:fresh:${tx.freshOwner}`));
        const account = tokenAccountOf(mint, owner);
        return sign(from, [
          createAssociatedTokenAccountIdempotentInstruction(from.publicKey, account, owner, mint),
          createTransferCheckedInstruction(keys.holderAccounts[tx.mint]![tx.from]!, mint, account, from.publicKey, tx.amount, FUNGIBLE_DECIMALS),
        ]);
      }
      case 'nftMint': {
        const authority = keys.authorities[tx.collection]!;
        const owner = keys.holders[tx.owner]!.publicKey;
        // createAccountWithSeed: the mint needs no keypair of its own to sign.
        const seed = `${this.runTag}.${tx.nft.toString(36)}`;
        const mint = addressWithSeed(authority.publicKey, seed, TOKEN_PROGRAM_ID);
        const account = tokenAccountOf(mint, owner);
        this.nfts.set(tx.nft, { mint, account });
        return sign(authority, [
          SystemProgram.createAccountWithSeed({
            fromPubkey: authority.publicKey,
            basePubkey: authority.publicKey,
            seed,
            newAccountPubkey: mint,
            lamports: this.mintRent,
            space: MINT_SIZE,
            programId: TOKEN_PROGRAM_ID,
          }),
          createInitializeMint2Instruction(mint, 0, authority.publicKey, null),
          createAssociatedTokenAccountIdempotentInstruction(authority.publicKey, account, owner, mint),
          createMintToInstruction(mint, account, authority.publicKey, 1),
          createSetAuthorityInstruction(mint, authority.publicKey, AuthorityType.MintTokens, null),
        ]);
      }
      case 'nftTransfer': {
        const nft = this.nfts.get(tx.nft)!;
        const from = keys.holders[tx.from]!;
        const to = keys.holders[tx.to]!.publicKey;
        const account = tokenAccountOf(nft.mint, to);
        const signed = sign(from, [
          createAssociatedTokenAccountIdempotentInstruction(from.publicKey, account, to, nft.mint),
          createTransferCheckedInstruction(nft.account, nft.mint, account, from.publicKey, 1, 0),
          createCloseAccountInstruction(nft.account, from.publicKey, from.publicKey),
        ]);
        nft.account = account;
        return signed;
      }
      case 'nftBurn': {
        const nft = this.nfts.get(tx.nft)!;
        const owner = keys.holders[tx.owner]!;
        this.nfts.delete(tx.nft);
        return sign(owner, [
          createBurnCheckedInstruction(nft.account, nft.mint, owner.publicKey, 1, 0),
          createCloseAccountInstruction(nft.account, owner.publicKey, owner.publicKey),
        ]);
      }
    }
  }
}
