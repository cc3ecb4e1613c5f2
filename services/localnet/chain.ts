// The ledger: LiteSVM holds the tip (processed) state; the blocks above the root keep per-block
// account deltas, so reads at confirmed/finalized can be answered from older views and a fork
// can restore the pre-block values. Slot production, landing, forks and commitment transitions
// all happen here, synchronously, so the order of effects is the order of calls.
import { createHash, randomBytes } from 'node:crypto';
import type { LiteSVM } from 'litesvm';
import { FailedTransactionMetadata, type SimulatedTransactionInfo } from 'litesvm';
import { base58 } from '../lib/solana/base58.ts';
import { sameAccount, valueAtView, type AccountChange, type AccountSnap } from './accounts.ts';
import { blockhashUsable, levelOf, viewHeights, visibleAt, BLOCKHASH_MAX_AGE, type Commitment, type ViewHeights } from './commitment.ts';
import type { Block, ChainEvents, SimulateResult, SubmitResult, TokenBalance, TxRecord } from './ledger-types.ts';
import { decodeMint, decodeTokenAccount, isTokenProgram, uiTokenAmount } from './token.ts';
import { landsOnChain, txErrorJson, type TxErrorJson } from './txerror.ts';
import { parseWireTransaction, type ParsedTx } from './txparse.ts';
import { markChanged, programAccounts, programAccountsWithPrefix, readAccount, sendTx, simulateTx, snapOf, warpTo, writeAccount } from './svm.ts';

/** Signatures kept for getSignatureStatuses / getTransaction; older ones are forgotten. */
export const TX_HISTORY_LIMIT = 200_000;
/** getSignatureStatuses without searchTransactionHistory sees the status cache only. */
const STATUS_CACHE_BLOCKS = 300;
/** Rooted blocks kept for getBlock and getBlocks (their headers and signatures); older ones are cleaned up. */
const ROOTED_BLOCKS_KEPT = 20_000;

/** What getBlock reports of a block: no account changes. */
export type BlockHeader = Pick<Block, 'slot' | 'parent' | 'height' | 'blockhash' | 'blockTime' | 'signatures'>;

/** A block at a slot, or why there is none: above the view, skipped (or forked away), or cleaned up. */
export type BlockLookup = { block: BlockHeader } | { missing: 'not-available' } | { missing: 'skipped' } | { missing: 'cleaned-up'; firstAvailable: number };

export interface ChainState {
  genesisHash: string;
  lastSlot: number;
  blocks: Block[];
  blockhashes: Map<string, number>;
  txs: Map<string, TxRecord>;
  byAddress: Map<string, string[]>;
}

export function genesisState(now: number): ChainState {
  const genesisHash = base58(randomBytes(32));
  const genesis: Block = {
    slot: 0,
    parent: 0,
    height: 0,
    blockhash: genesisHash,
    blockTime: Math.floor(now / 1000),
    changes: new Map(),
    signatures: [],
  };
  return {
    genesisHash,
    lastSlot: 0,
    blocks: [genesis],
    blockhashes: new Map([[genesisHash, 0]]),
    txs: new Map(),
    byAddress: new Map(),
  };
}

function blockhashFor(genesisHash: string, slot: number): string {
  return base58(createHash('sha256').update(`${genesisHash}:${slot}`).digest());
}

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

const NO_EVENTS: ChainEvents = { onBlock() {}, onSlot() {}, onRoot() {} };

interface Pending {
  tx: ParsedTx;
}

/** What abandonConfirmed did: every list in ledger order. */
export interface ConfirmedFork {
  /** The abandoned blocks' slots, confirmed ones included; none of them will ever root. */
  abandonedSlots: number[];
  /** The slots of the blocks that replaced them, one per abandoned block, at the same heights. */
  replacementSlots: number[];
  /** Transactions left out because they name the scoped account. */
  droppedSignatures: string[];
  /** Replayed transactions that no longer land (one of them depended on a dropped one, say). */
  lostSignatures: string[];
}

export class Chain {
  readonly svm: LiteSVM;
  readonly state: ChainState;
  readonly confirmationSlots: number;
  private pending: Pending[] = [];
  /** The transactions of the blocks above the root, so a fork can replay them. */
  private readonly unrooted = new Map<string, ParsedTx>();
  /** Headers of rooted blocks, oldest first (bounded); the blocks from the root up are in state.blocks. */
  private readonly rooted: BlockHeader[] = [];
  private confirmedFloor = 0;
  /**
   * Per address, how many signatures at the front of its byAddress list are forgotten but not yet
   * cut off. History is forgotten oldest first, so from the front of each list; cutting one entry
   * there moves the whole list, and a program's list (the Token program's) holds a signature for
   * every transaction that calls it: under steady load that was milliseconds per transaction.
   * The front is cut once it is at least half the list, which keeps the cost constant per entry.
   */
  private readonly forgottenHeads = new Map<string, number>();
  private events: ChainEvents = NO_EVENTS;
  private readonly now: () => number;
  private readonly txHistoryLimit: number;

  constructor(svm: LiteSVM, state: ChainState, confirmationSlots: number, now: () => number = Date.now, txHistoryLimit = TX_HISTORY_LIMIT) {
    this.svm = svm;
    this.state = state;
    this.confirmationSlots = confirmationSlots;
    this.now = now;
    this.txHistoryLimit = txHistoryLimit;
    warpTo(this.svm, this.tip().slot);
  }

  setEvents(events: ChainEvents): void {
    this.events = events;
  }

  tip(): Block {
    const tip = this.state.blocks[this.state.blocks.length - 1];
    if (!tip) throw new Error('ledger has no blocks');
    return tip;
  }

  heights(): ViewHeights {
    const base = this.state.blocks[0]?.height ?? 0;
    return viewHeights(this.tip().height, base, this.confirmationSlots, this.confirmedFloor);
  }

  blockAtHeight(height: number): Block {
    const base = this.state.blocks[0]?.height ?? 0;
    const block = this.state.blocks[height - base];
    if (!block) throw new Error(`no block at height ${height}`);
    return block;
  }

  blockAt(level: Commitment): Block {
    return this.blockAtHeight(this.heights()[level]);
  }

  /** The block at `slot` as the `level` view sees it. */
  blockAtSlot(slot: number, level: Commitment): BlockLookup {
    const live = this.state.blocks.slice(0, this.heights()[level] - (this.state.blocks[0]?.height ?? 0) + 1);
    if (slot > (live.at(-1)?.slot ?? 0)) return { missing: 'not-available' };
    const firstAvailable = this.rooted[0]?.slot ?? live[0]?.slot ?? 0;
    if (slot < firstAvailable) return { missing: 'cleaned-up', firstAvailable };
    const found = live.find((b) => b.slot === slot) ?? this.rootedAt(slot);
    return found ? { block: found } : { missing: 'skipped' };
  }

  /** The slots of the blocks in [start, end] as the `level` view sees them, oldest first. */
  slotsBetween(start: number, end: number, level: Commitment): number[] {
    const live = this.state.blocks.slice(0, this.heights()[level] - (this.state.blocks[0]?.height ?? 0) + 1);
    return [...this.rooted, ...live].map((b) => b.slot).filter((slot) => slot >= start && slot <= end);
  }

  /** The hash of the block at `slot` (every slot's hash is derived from it and the genesis hash). */
  blockhashOfSlot(slot: number): string {
    return slot === 0 ? this.state.genesisHash : blockhashFor(this.state.genesisHash, slot);
  }

  private rootedAt(slot: number): BlockHeader | undefined {
    let lo = 0;
    let hi = this.rooted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = this.rooted[mid]!;
      if (b.slot === slot) return b;
      if (b.slot < slot) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  private blocksAbove(level: Commitment): Block[] {
    const h = this.heights()[level];
    const base = this.state.blocks[0]?.height ?? 0;
    return this.state.blocks.slice(h - base + 1);
  }

  getAccount(address: string, level: Commitment): AccountSnap | null {
    const tipValue = readAccount(this.svm, address);
    if (level === 'processed') return tipValue;
    return valueAtView(tipValue, this.blocksAbove(level), address);
  }

  /**
   * Every account owned by `program` at `level`, including ones that only an older view has; with
   * `prefix` (PREFIX_LENGTH bytes), only those whose data starts with it, in the same order.
   */
  getProgramAccounts(program: string, level: Commitment, prefix?: Uint8Array): ReadonlyArray<[string, AccountSnap]> {
    const tip = prefix ? programAccountsWithPrefix(this.svm, program, prefix) : programAccounts(this.svm, program);
    if (level === 'processed') return tip;
    const above = this.blocksAbove(level);
    const touched = new Set<string>();
    for (const b of above) for (const k of b.changes.keys()) touched.add(k);
    if (touched.size === 0) return tip;
    const out = tip.filter(([k]) => !touched.has(k));
    for (const k of touched) {
      const v = valueAtView(null, above, k);
      if (v && v.owner === program && (!prefix || startsWith(v.data, prefix))) out.push([k, v]);
    }
    return out;
  }

  /** Height of a blockhash on the current fork, if it is recent enough to be remembered. */
  blockhashHeight(hash: string): number | undefined {
    return this.state.blockhashes.get(hash);
  }

  isBlockhashValid(hash: string, level: Commitment): boolean {
    const issued = this.state.blockhashes.get(hash);
    const h = this.heights()[level];
    return issued !== undefined && issued <= h && blockhashUsable(issued, h);
  }

  private preflightBlockhash(tx: ParsedTx): boolean {
    const issued = this.state.blockhashes.get(tx.recentBlockhash);
    return issued !== undefined && blockhashUsable(issued, this.tip().height + 1);
  }

  simulate(wire: Uint8Array, opts: { replaceRecentBlockhash?: boolean; sigVerify?: boolean } = {}): SimulateResult & { tx: ParsedTx } {
    const tx = parseWireTransaction(wire);
    const run = this.runSimulation(tx, opts);
    if (!run.ok) return { tx, ...run.failure, postAccount: () => undefined, returnData: null };
    const result = run.result;
    const meta = result.meta();
    const rd = meta.returnData();
    const rdData = rd.data();
    let post: Map<string, AccountSnap | null> | undefined;
    return {
      tx,
      err: null,
      logs: meta.logs(),
      unitsConsumed: Number(meta.computeUnitsConsumed()),
      postAccount: (address) => {
        post ??= new Map(result.postAccounts().map((a) => [a.address, a.lamports === 0n ? null : snapOf(a)]));
        return post.get(address);
      },
      returnData: rdData.length > 0 ? { programId: base58(rd.programId()), data: rdData } : null,
    };
  }

  /**
   * The checks and the run behind simulate. A success's post-state is left in LiteSVM's result,
   * unread: preflight needs only the verdict, and reading it copies every account the
   * transaction names, programs included.
   */
  private runSimulation(
    tx: ParsedTx,
    opts: { replaceRecentBlockhash?: boolean; sigVerify?: boolean },
  ): { ok: false; failure: { err: TxErrorJson; logs: string[]; unitsConsumed: number } } | { ok: true; result: SimulatedTransactionInfo } {
    const fail = (err: TxErrorJson) => ({ ok: false as const, failure: { err, logs: [], unitsConsumed: 0 } });
    if (!opts.replaceRecentBlockhash && !this.preflightBlockhash(tx)) return fail('BlockhashNotFound');
    if (this.isLanded(tx.signature)) return fail('AlreadyProcessed');
    // sigVerify=false lets clients simulate unsigned transactions, as the real node does.
    if (opts.sigVerify === false) this.svm.withSigverify(false);
    let result: ReturnType<LiteSVM['simulateTransaction']>;
    try {
      result = simulateTx(this.svm, tx);
    } finally {
      if (opts.sigVerify === false) this.svm.withSigverify(true);
    }
    if (result instanceof FailedTransactionMetadata) {
      const meta = result.meta();
      return { ok: false, failure: { err: txErrorJson(result.err()), logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()) } };
    }
    return { ok: true, result };
  }

  /**
   * Accepts a transaction for the next block. With preflight, failures come back in the shape of
   * a simulation; `drop` accepts it and forgets it (a leader that never forwarded it).
   */
  submit(wire: Uint8Array, opts: { skipPreflight: boolean; drop: boolean }): SubmitResult {
    const tx = parseWireTransaction(wire);
    if (!opts.skipPreflight) {
      const run = this.runSimulation(tx, {});
      if (!run.ok) return { ok: false, signature: tx.signature, ...run.failure };
    }
    if (!opts.drop) this.pending.push({ tx });
    return { ok: true, signature: tx.signature };
  }

  pendingCount(): number {
    return this.pending.length;
  }

  isLanded(signature: string): boolean {
    return this.state.txs.has(signature);
  }

  getTx(signature: string): TxRecord | undefined {
    return this.state.txs.get(signature);
  }

  /** Status as getSignatureStatuses reports it, or null if unknown / outside the status cache. */
  signatureStatus(signature: string, searchHistory: boolean) {
    const tx = this.state.txs.get(signature);
    if (!tx) return null;
    const h = this.heights();
    if (!searchHistory && tx.height < h.processed - STATUS_CACHE_BLOCKS) return null;
    const level = levelOf(tx.height, h);
    return {
      slot: tx.slot,
      confirmations: tx.height <= h.finalized ? null : h.processed - tx.height,
      err: tx.err,
      status: tx.err === null ? { Ok: null } : { Err: tx.err },
      confirmationStatus: level ?? 'processed',
    };
  }

  txVisible(tx: TxRecord, level: Commitment): boolean {
    return visibleAt(tx.height, level, this.heights());
  }

  /** Newest first, as the real node orders them. */
  signaturesForAddress(address: string, level: Commitment): TxRecord[] {
    const sigs = this.state.byAddress.get(address) ?? [];
    const head = this.forgottenHeads.get(address) ?? 0;
    const out: TxRecord[] = [];
    for (let i = sigs.length - 1; i >= head; i--) {
      const tx = this.state.txs.get(sigs[i] ?? '');
      if (tx && this.txVisible(tx, level)) out.push(tx);
    }
    return out;
  }

  /** Produces the next block: pending transactions land in it, then commitment levels move. */
  produceBlock(preset?: Map<string, AccountChange>): Block {
    const before = this.heights();
    const parent = this.tip();
    const slot = this.state.lastSlot + 1;
    this.state.lastSlot = slot;
    warpTo(this.svm, slot);
    const block: Block = {
      slot,
      parent: parent.slot,
      height: parent.height + 1,
      blockhash: blockhashFor(this.state.genesisHash, slot),
      blockTime: Math.floor(this.now() / 1000),
      changes: preset ?? new Map(),
      signatures: [],
    };
    const landed: TxRecord[] = [];
    const queue = this.pending;
    this.pending = [];
    for (const { tx } of queue) {
      const rec = this.execute(tx, block);
      if (rec) landed.push(rec);
    }
    this.state.blocks.push(block);
    this.state.blockhashes.set(block.blockhash, block.height);
    this.afterNewTip(before, block, landed);
    return block;
  }

  private execute(tx: ParsedTx, block: Block): TxRecord | null {
    const issued = this.state.blockhashes.get(tx.recentBlockhash);
    if (issued === undefined || !blockhashUsable(issued, block.height)) return null;
    if (this.state.txs.has(tx.signature)) return null;
    // A read-only account is the same before and after: only its balances go into the record.
    const pre = tx.accountKeys.map((k, i) => readAccount(this.svm, k, { programData: tx.writable[i] }));
    const result = sendTx(this.svm, tx);
    // Accounts loaded through lookup tables are not among the static keys: then every index goes.
    const lookups = tx.json.message.addressTableLookups as unknown[] | undefined;
    // Only writable accounts can change (see post below).
    markChanged(this.svm, lookups?.length ? undefined : tx.accountKeys.filter((_, i) => tx.writable[i]));
    const failed = result instanceof FailedTransactionMetadata ? result : null;
    const err = failed ? txErrorJson(failed.err()) : null;
    if (!landsOnChain(err)) return null;
    const meta = failed ? failed.meta() : (result as Exclude<typeof result, FailedTransactionMetadata>);
    // The runtime refuses any change to an account the message does not mark writable.
    const post = tx.accountKeys.map((k, i) => (tx.writable[i] ? readAccount(this.svm, k) : (pre[i] ?? null)));
    tx.accountKeys.forEach((k, i) => {
      const p = pre[i] ?? null;
      const q = post[i] ?? null;
      if (sameAccount(p, q)) return;
      const existing = block.changes.get(k);
      block.changes.set(k, existing ? { ...existing, post: q } : { pre: p, post: q });
    });
    const balance = (a: AccountSnap | null) => Number(a?.lamports ?? 0n);
    const numSigs = tx.signatures.length;
    const rec: TxRecord = {
      signature: tx.signature,
      slot: block.slot,
      height: block.height,
      blockTime: block.blockTime,
      err,
      logs: meta.logs(),
      fee: 5000 * numSigs,
      computeUnits: Number(meta.computeUnitsConsumed()),
      preBalances: pre.map(balance),
      postBalances: post.map(balance),
      preTokenBalances: this.tokenBalances(pre, tx.accountKeys),
      postTokenBalances: this.tokenBalances(post, tx.accountKeys),
      accountKeys: tx.accountKeys,
      version: tx.version,
      transaction: tx.json,
    };
    this.recordTx(rec);
    this.unrooted.set(rec.signature, tx);
    block.signatures.push(rec.signature);
    return rec;
  }

  private tokenBalances(accounts: (AccountSnap | null)[], keys: string[]): TokenBalance[] {
    const out: TokenBalance[] = [];
    accounts.forEach((a, i) => {
      if (!a || !isTokenProgram(a.owner)) return;
      const t = decodeTokenAccount(a.data);
      if (!t) return;
      const mintIndex = keys.indexOf(t.mint);
      const mintAcc = (mintIndex >= 0 ? accounts[mintIndex] : null) ?? readAccount(this.svm, t.mint);
      const decimals = mintAcc ? (decodeMint(mintAcc.data)?.decimals ?? 0) : 0;
      out.push({ accountIndex: i, mint: t.mint, owner: t.owner, programId: a.owner, uiTokenAmount: uiTokenAmount(t.amount, decimals) });
    });
    return out;
  }

  private recordTx(rec: TxRecord): void {
    const { txs, byAddress } = this.state;
    txs.set(rec.signature, rec);
    for (const k of rec.accountKeys) {
      const list = byAddress.get(k);
      if (list) list.push(rec.signature);
      else byAddress.set(k, [rec.signature]);
    }
    if (txs.size > this.txHistoryLimit) {
      const oldest = txs.keys().next().value;
      if (oldest !== undefined) this.forgetTx(oldest);
    }
  }

  private forgetTx(signature: string): void {
    const rec = this.state.txs.get(signature);
    this.unrooted.delete(signature);
    if (!rec) return;
    this.state.txs.delete(signature);
    for (const k of rec.accountKeys) {
      const list = this.state.byAddress.get(k);
      if (!list) continue;
      const head = this.forgottenHeads.get(k) ?? 0;
      if (list[head] === signature) {
        const forgotten = head + 1;
        if (forgotten === list.length) {
          this.state.byAddress.delete(k);
          this.forgottenHeads.delete(k);
        } else if (forgotten >= 64 && forgotten * 2 >= list.length) {
          list.splice(0, forgotten);
          this.forgottenHeads.delete(k);
        } else this.forgottenHeads.set(k, forgotten);
        continue;
      }
      // A fork forgets the newest: found near the end.
      const i = list.lastIndexOf(signature);
      if (i >= head) list.splice(i, 1);
      if (list.length === head) {
        this.state.byAddress.delete(k);
        this.forgottenHeads.delete(k);
      }
    }
  }

  private afterNewTip(before: ViewHeights, block: Block, landed: TxRecord[]): void {
    const after = this.heights();
    this.confirmedFloor = after.confirmed;
    const txsOf = (b: Block) => b.signatures.map((s) => this.state.txs.get(s)).filter((t): t is TxRecord => !!t);
    this.events.onBlock('processed', block, landed);
    for (let h = before.confirmed + 1; h <= after.confirmed; h++) {
      const b = this.blockAtHeight(h);
      this.events.onBlock('confirmed', b, txsOf(b));
    }
    for (let h = before.finalized + 1; h <= after.finalized; h++) {
      const b = this.blockAtHeight(h);
      this.events.onBlock('finalized', b, txsOf(b));
    }
    const root = this.blockAtHeight(after.finalized);
    this.events.onSlot({ slot: block.slot, parent: block.parent, root: root.slot });
    if (after.finalized > before.finalized) this.events.onRoot(root.slot);
    this.prune(after);
  }

  private prune(h: ViewHeights): void {
    const base = this.state.blocks[0]?.height ?? 0;
    if (h.finalized > base) {
      for (const b of this.state.blocks.splice(0, h.finalized - base)) {
        for (const s of b.signatures) this.unrooted.delete(s);
        this.rooted.push({ slot: b.slot, parent: b.parent, height: b.height, blockhash: b.blockhash, blockTime: b.blockTime, signatures: b.signatures });
      }
      if (this.rooted.length > ROOTED_BLOCKS_KEPT) this.rooted.splice(0, this.rooted.length - ROOTED_BLOCKS_KEPT);
    }
    const floor = h.processed - BLOCKHASH_MAX_AGE - 10;
    for (const [hash, height] of this.state.blockhashes) {
      if (height < floor) this.state.blockhashes.delete(hash);
      else break;
    }
  }

  /**
   * Abandons every block above confirmed, as a cluster does when it switches to another fork:
   * their transactions vanish and their accounts return to the confirmed values. A new empty
   * block on top of the confirmed one becomes the tip and carries the restored values, so
   * processed-level subscribers are told. Returns the abandoned slots.
   */
  fork(): number[] {
    const h = this.heights();
    const base = this.state.blocks[0]?.height ?? 0;
    const abandoned = this.state.blocks.splice(h.confirmed - base + 1);
    if (abandoned.length === 0) return [];
    const touched = new Set<string>();
    const shown = new Map<string, AccountSnap | null>();
    for (const b of abandoned) for (const [k, change] of b.changes) shown.set(k, change.post);
    for (let i = abandoned.length - 1; i >= 0; i--) {
      const b = abandoned[i] as Block;
      for (const [k, change] of b.changes) {
        writeAccount(this.svm, k, change.pre);
        touched.add(k);
      }
      for (const s of b.signatures) this.forgetTx(s);
      this.state.blockhashes.delete(b.blockhash);
    }
    const preset = new Map<string, AccountChange>();
    for (const k of touched) {
      const v = readAccount(this.svm, k);
      preset.set(k, { pre: v, post: v, shown: { processed: shown.get(k) ?? null } });
    }
    this.produceBlock(preset);
    return abandoned.map((b) => b.slot);
  }

  /**
   * Abandons every block above the root, confirmed ones included, as a cluster does in the rare
   * case an optimistically confirmed fork loses. Scoped so other users of a shared chain are not
   * disturbed: only transactions naming `scope` among their account keys are dropped; every other
   * one is replayed into the replacing blocks (the winning fork's leaders would include it), block
   * by block at the same heights, so no transaction's confirmation level moves back; they land at
   * new slots. Confirmed returns to the root and climbs again with the replacing blocks; the root
   * never moves. The abandoned blocks' blockhashes stay usable at their heights, where a real
   * cluster would reject them: clients that signed with one are not the ones this fault is for.
   */
  abandonConfirmed(scope: string): ConfirmedFork {
    const h = this.heights();
    const base = this.state.blocks[0]?.height ?? 0;
    const abandoned = this.state.blocks.splice(h.finalized - base + 1);
    const out: ConfirmedFork = { abandonedSlots: abandoned.map((b) => b.slot), replacementSlots: [], droppedSignatures: [], lostSignatures: [] };
    if (abandoned.length === 0) return out;
    // What account subscribers at each level were last told; processed saw every abandoned block.
    const shownAt = { processed: new Map<string, AccountSnap | null>(), confirmed: new Map<string, AccountSnap | null>() };
    for (const b of abandoned) {
      for (const [k, change] of b.changes) {
        shownAt.processed.set(k, change.post);
        if (b.height <= h.confirmed) shownAt.confirmed.set(k, change.post);
      }
    }
    const replays = abandoned.map((b) => b.signatures.map((s) => this.unrooted.get(s)).filter((t): t is ParsedTx => t !== undefined));
    for (let i = abandoned.length - 1; i >= 0; i--) {
      for (const [k, change] of (abandoned[i] as Block).changes) writeAccount(this.svm, k, change.pre);
    }
    for (const b of abandoned) for (const s of b.signatures) this.forgetTx(s);
    // The first replacing block carries the restored values, so account subscribers are told.
    const preset = new Map<string, AccountChange>();
    for (const k of shownAt.processed.keys()) {
      const v = readAccount(this.svm, k);
      const shown: AccountChange['shown'] = { processed: shownAt.processed.get(k) ?? null };
      if (shownAt.confirmed.has(k)) shown.confirmed = shownAt.confirmed.get(k) ?? null;
      preset.set(k, { pre: v, post: v, shown });
    }
    this.confirmedFloor = h.finalized;
    const waiting = this.pending;
    try {
      replays.forEach((txs, i) => {
        const kept = txs.filter((tx) => !tx.accountKeys.includes(scope));
        for (const tx of txs) if (!kept.includes(tx)) out.droppedSignatures.push(tx.signature);
        this.pending = kept.map((tx) => ({ tx }));
        const block = this.produceBlock(i === 0 ? preset : undefined);
        out.replacementSlots.push(block.slot);
        const landed = new Set(block.signatures);
        for (const tx of kept) if (!landed.has(tx.signature)) out.lostSignatures.push(tx.signature);
      });
    } finally {
      this.pending = waiting;
    }
    // Expiry pruning walks blockhashes in height order; the replacing blocks reused old heights.
    const byHeight = [...this.state.blockhashes].sort((a, b) => a[1] - b[1]);
    this.state.blockhashes.clear();
    for (const [hash, height] of byHeight) this.state.blockhashes.set(hash, height);
    return out;
  }

  /**
   * Writes accounts straight into state as if they had always been there (genesis-like): all
   * levels see them at once and no notification is sent. For seeding benchmarks and fixtures.
   */
  seedAccounts(accounts: Iterable<[string, AccountSnap]>): number {
    let n = 0;
    for (const [k, v] of accounts) {
      writeAccount(this.svm, k, v);
      for (const b of this.state.blocks) {
        const c = b.changes.get(k);
        if (c) b.changes.set(k, { pre: v, post: v });
      }
      n++;
    }
    return n;
  }
}

export { levelOf };
