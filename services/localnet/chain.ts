// The ledger: LiteSVM holds the tip (processed) state; the blocks above the root keep per-block
// account deltas, so reads at confirmed/finalized can be answered from older views and a fork
// can restore the pre-block values. Slot production, landing, forks and commitment transitions
// all happen here, synchronously, so the order of effects is the order of calls.
import { createHash, randomBytes } from 'node:crypto';
import type { LiteSVM } from 'litesvm';
import { FailedTransactionMetadata } from 'litesvm';
import { getBase58Decoder } from '@solana/kit';
import { sameAccount, valueAtView, type AccountChange, type AccountSnap } from './accounts.ts';
import {
  blockhashUsable,
  levelOf,
  viewHeights,
  visibleAt,
  BLOCKHASH_MAX_AGE,
  type Commitment,
  type ViewHeights,
} from './commitment.ts';
import type { Block, ChainEvents, SimulateResult, SubmitResult, TokenBalance, TxRecord } from './ledger-types.ts';
import { decodeMint, decodeTokenAccount, isTokenProgram, uiTokenAmount } from './token.ts';
import { landsOnChain, txErrorJson, type TxErrorJson } from './txerror.ts';
import { parseWireTransaction, type ParsedTx } from './txparse.ts';
import { markChanged, programAccounts, readAccount, snapOf, writeAccount } from './svm.ts';

/** Signatures kept for getSignatureStatuses / getTransaction; older ones are forgotten. */
const TX_HISTORY_LIMIT = 200_000;
/** getSignatureStatuses without searchTransactionHistory sees the status cache only. */
const STATUS_CACHE_BLOCKS = 300;

export interface ChainState {
  genesisHash: string;
  lastSlot: number;
  blocks: Block[];
  blockhashes: Map<string, number>;
  txs: Map<string, TxRecord>;
  byAddress: Map<string, string[]>;
}

export function genesisState(now: number): ChainState {
  const genesisHash = getBase58Decoder().decode(randomBytes(32));
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
  return getBase58Decoder().decode(createHash('sha256').update(`${genesisHash}:${slot}`).digest());
}

const NO_EVENTS: ChainEvents = { onBlock() {}, onSlot() {}, onRoot() {} };

interface Pending {
  tx: ParsedTx;
}

export class Chain {
  readonly svm: LiteSVM;
  readonly state: ChainState;
  readonly confirmationSlots: number;
  private pending: Pending[] = [];
  private confirmedFloor = 0;
  private events: ChainEvents = NO_EVENTS;
  private readonly now: () => number;

  constructor(svm: LiteSVM, state: ChainState, confirmationSlots: number, now: () => number = Date.now) {
    this.svm = svm;
    this.state = state;
    this.confirmationSlots = confirmationSlots;
    this.now = now;
    this.svm.warpToSlot(BigInt(this.tip().slot));
    markChanged(this.svm);
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

  /** Every account owned by `program` at `level`, including ones that only an older view has. */
  getProgramAccounts(program: string, level: Commitment): ReadonlyArray<[string, AccountSnap]> {
    const tip = programAccounts(this.svm, program);
    if (level === 'processed') return tip;
    const above = this.blocksAbove(level);
    const touched = new Set<string>();
    for (const b of above) for (const k of b.changes.keys()) touched.add(k);
    if (touched.size === 0) return tip;
    const out = tip.filter(([k]) => !touched.has(k));
    for (const k of touched) {
      const v = valueAtView(null, above, k);
      if (v && v.owner === program) out.push([k, v]);
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

  simulate(
    wire: Uint8Array,
    opts: { replaceRecentBlockhash?: boolean; sigVerify?: boolean } = {},
  ): SimulateResult & { tx: ParsedTx } {
    const tx = parseWireTransaction(wire);
    const fail = (err: TxErrorJson) => ({ tx, err, logs: [], unitsConsumed: 0, accounts: [], returnData: null });
    if (!opts.replaceRecentBlockhash && !this.preflightBlockhash(tx)) return fail('BlockhashNotFound');
    if (this.isLanded(tx.signature)) return fail('AlreadyProcessed');
    // sigVerify=false lets clients simulate unsigned transactions, as the real node does.
    if (opts.sigVerify === false) this.svm.withSigverify(false);
    let result: ReturnType<LiteSVM['simulateTransaction']>;
    try {
      result = this.svm.simulateTransaction(tx.kit);
    } finally {
      if (opts.sigVerify === false) this.svm.withSigverify(true);
    }
    if (result instanceof FailedTransactionMetadata) {
      const meta = result.meta();
      return {
        tx,
        err: txErrorJson(result.err()),
        logs: meta.logs(),
        unitsConsumed: Number(meta.computeUnitsConsumed()),
        accounts: [],
        returnData: null,
      };
    }
    const meta = result.meta();
    const rd = meta.returnData();
    const rdData = rd.data();
    return {
      tx,
      err: null,
      logs: meta.logs(),
      unitsConsumed: Number(meta.computeUnitsConsumed()),
      accounts: result.postAccounts().map((a) => ({
        address: a.address,
        account: a.lamports === 0n ? null : snapOf(a),
      })),
      returnData: rdData.length > 0 ? { programId: getBase58Decoder().decode(rd.programId()), data: rdData } : null,
    };
  }

  /**
   * Accepts a transaction for the next block. With preflight, failures come back in the shape of
   * a simulation; `drop` accepts it and forgets it (a leader that never forwarded it).
   */
  submit(wire: Uint8Array, opts: { skipPreflight: boolean; drop: boolean }): SubmitResult {
    if (!opts.skipPreflight) {
      const sim = this.simulate(wire);
      if (sim.err !== null) {
        return { ok: false, signature: sim.tx.signature, err: sim.err, logs: sim.logs, unitsConsumed: sim.unitsConsumed };
      }
      if (!opts.drop) this.pending.push({ tx: sim.tx });
      return { ok: true, signature: sim.tx.signature };
    }
    const tx = parseWireTransaction(wire);
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
    const out: TxRecord[] = [];
    for (let i = sigs.length - 1; i >= 0; i--) {
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
    this.svm.warpToSlot(BigInt(slot));
    markChanged(this.svm);
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
    const pre = tx.accountKeys.map((k) => readAccount(this.svm, k));
    const result = this.svm.sendTransaction(tx.kit);
    markChanged(this.svm);
    const failed = result instanceof FailedTransactionMetadata ? result : null;
    const err = failed ? txErrorJson(failed.err()) : null;
    if (!landsOnChain(err)) return null;
    const meta = failed ? failed.meta() : (result as Exclude<typeof result, FailedTransactionMetadata>);
    const post = tx.accountKeys.map((k) => readAccount(this.svm, k));
    tx.accountKeys.forEach((k, i) => {
      const p = pre[i] ?? null;
      const q = post[i] ?? null;
      if (sameAccount(p, q)) return;
      const existing = block.changes.get(k);
      block.changes.set(k, { pre: existing ? existing.pre : p, post: q });
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
    if (txs.size > TX_HISTORY_LIMIT) {
      const oldest = txs.keys().next().value;
      if (oldest !== undefined) this.forgetTx(oldest);
    }
  }

  private forgetTx(signature: string): void {
    const rec = this.state.txs.get(signature);
    if (!rec) return;
    this.state.txs.delete(signature);
    for (const k of rec.accountKeys) {
      const list = this.state.byAddress.get(k);
      if (!list) continue;
      const i = list.lastIndexOf(signature);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.state.byAddress.delete(k);
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
    if (h.finalized > base) this.state.blocks.splice(0, h.finalized - base);
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
      preset.set(k, { pre: v, post: v, shown: shown.get(k) ?? null });
    }
    this.produceBlock(preset);
    return abandoned.map((b) => b.slot);
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
