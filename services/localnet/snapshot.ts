// The on-disk state that lets the stack restart the chain: LiteSVM's own serialisation for
// accounts and sysvars, plus the ledger around it (slots, recent blockhashes, recent
// transactions). A restart roots the tip: unconfirmed blocks become final, as nothing above the
// tip is kept.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { LiteSVM } from 'litesvm';
import type { ChainState } from './chain.ts';
import type { Block, TxRecord } from './ledger-types.ts';
import { configureSvm } from './svm.ts';

const FORMAT = 'chainsync-localnet-snapshot/1';
const TX_KEPT = 20_000;

export interface SnapshotFile {
  format: string;
  genesisHash: string;
  lastSlot: number;
  tip: Omit<Block, 'changes' | 'signatures'>;
  blockhashes: Array<[string, number]>;
  txs: TxRecord[];
  svm: string;
}

// A record never changes once landed, and the periodic snapshot rewrites up to TX_KEPT of them
// every few seconds: each is serialised (and UTF-8 encoded) once, and later writes copy bytes.
const txBytes = new WeakMap<TxRecord, Buffer>();

function txJson(tx: TxRecord): Buffer {
  let bytes = txBytes.get(tx);
  if (bytes === undefined) txBytes.set(tx, (bytes = Buffer.from(JSON.stringify(tx))));
  return bytes;
}

export function snapshotFile(svm: LiteSVM, state: ChainState): SnapshotFile {
  const tip = state.blocks[state.blocks.length - 1];
  if (!tip) throw new Error('ledger has no blocks');
  return {
    format: FORMAT,
    genesisHash: state.genesisHash,
    lastSlot: state.lastSlot,
    tip: { slot: tip.slot, parent: tip.parent, height: tip.height, blockhash: tip.blockhash, blockTime: tip.blockTime },
    blockhashes: [...state.blockhashes],
    txs: [...state.txs.values()].slice(-TX_KEPT),
    svm: Buffer.from(svm.toBytes()).toString('base64'),
  };
}

/** The UTF-8 of JSON.stringify(file), byte for byte, with each transaction's bytes reused from earlier writes. */
export function snapshotBytes(file: SnapshotFile): Buffer {
  const { txs, svm, ...rest } = file;
  // The keys in SnapshotFile's order: everything before txs, then txs, then svm.
  const head = JSON.stringify(rest);
  const parts: Buffer[] = [Buffer.from(`${head.slice(0, -1)},"txs":[`)];
  const comma = Buffer.from(',');
  txs.forEach((tx, i) => {
    if (i > 0) parts.push(comma);
    parts.push(txJson(tx));
  });
  parts.push(Buffer.from(`],"svm":${JSON.stringify(svm)}}`));
  return Buffer.concat(parts);
}

export function writeSnapshot(path: string, svm: LiteSVM, state: ChainState): void {
  const bytes = snapshotBytes(snapshotFile(svm, state));
  mkdirSync(dirname(path), { recursive: true });
  // Write-then-rename so a crash mid-write leaves the previous snapshot intact.
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

export function snapshotExists(path: string): boolean {
  return existsSync(path);
}

export function readSnapshot(path: string): { svm: LiteSVM; state: ChainState } {
  const file = JSON.parse(readFileSync(path, 'utf8')) as SnapshotFile;
  if (file.format !== FORMAT) throw new Error(`${path}: not a localnet snapshot (format ${String(file.format)})`);
  const svm = configureSvm(LiteSVM.fromBytes(new Uint8Array(Buffer.from(file.svm, 'base64'))));
  const byAddress = new Map<string, string[]>();
  for (const tx of file.txs) {
    for (const k of tx.accountKeys) {
      const list = byAddress.get(k);
      if (list) list.push(tx.signature);
      else byAddress.set(k, [tx.signature]);
    }
  }
  return {
    svm,
    state: {
      genesisHash: file.genesisHash,
      lastSlot: file.lastSlot,
      blocks: [{ ...file.tip, changes: new Map(), signatures: [] }],
      blockhashes: new Map(file.blockhashes),
      txs: new Map(file.txs.map((t) => [t.signature, t])),
      byAddress,
    },
  };
}

/**
 * Whether the periodic snapshot should be written now. Writing one serialises every account and
 * stops the chain for a moment (hundreds of milliseconds on a loaded machine with a large state),
 * which shows up as a stall in confirmations; so it waits for a moment without transactions, but
 * not longer than `maxDeferMs`, so a crash under endless load still loses a bounded stretch.
 */
export function snapshotDue(at: { now: number; lastTxAt: number; lastSnapshotAt: number }, opts: { quietMs: number; maxDeferMs: number }): boolean {
  return at.now - at.lastTxAt >= opts.quietMs || at.now - at.lastSnapshotAt >= opts.maxDeferMs;
}
