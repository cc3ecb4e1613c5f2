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

interface SnapshotFile {
  format: string;
  genesisHash: string;
  lastSlot: number;
  tip: Omit<Block, 'changes' | 'signatures'>;
  blockhashes: Array<[string, number]>;
  txs: TxRecord[];
  svm: string;
}

export function writeSnapshot(path: string, svm: LiteSVM, state: ChainState): void {
  const tip = state.blocks[state.blocks.length - 1];
  if (!tip) throw new Error('ledger has no blocks');
  const txs = [...state.txs.values()].slice(-TX_KEPT);
  const file: SnapshotFile = {
    format: FORMAT,
    genesisHash: state.genesisHash,
    lastSlot: state.lastSlot,
    tip: { slot: tip.slot, parent: tip.parent, height: tip.height, blockhash: tip.blockhash, blockTime: tip.blockTime },
    blockhashes: [...state.blockhashes],
    txs,
    svm: Buffer.from(svm.toBytes()).toString('base64'),
  };
  mkdirSync(dirname(path), { recursive: true });
  // Write-then-rename so a crash mid-write leaves the previous snapshot intact.
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(file));
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
