// Block methods: getBlock (signature-level detail: its signatures, or none) and getBlocks, over the
// blocks the requested view sees, with the errors a node gives for a slot it has no block for.
import type { BlockLookup } from '../chain.ts';
import type { Commitment } from '../commitment.ts';
import type { Handler, RpcContext } from './context.ts';
import { invalidParams, RpcError } from './errors.ts';
import { commitmentOf, configAt, type Params } from './params.ts';

export const BLOCK_CLEANED_UP = -32001;
export const BLOCK_NOT_AVAILABLE = -32004;
export const SLOT_SKIPPED = -32007;
/** getBlocks's widest range, as a node's. */
export const MAX_GET_BLOCKS_RANGE = 500_000;

const slotParam = (v: unknown, name: string): number => {
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw invalidParams(`Invalid param: ${name} must be a slot (a non-negative integer)`);
  return v as number;
};

/** Blocks are served at confirmed or finalized only, as a node serves them. */
function blockCommitment(config: Record<string, unknown>): Commitment {
  const level = commitmentOf(config);
  if (level === 'processed') throw invalidParams('Method does not support commitment below `confirmed`');
  return level;
}

function missingBlock(slot: number, found: Exclude<BlockLookup, { block: unknown }>): RpcError {
  if (found.missing === 'not-available') return new RpcError(BLOCK_NOT_AVAILABLE, `Block not available for slot ${slot}`);
  if (found.missing === 'skipped') return new RpcError(SLOT_SKIPPED, `Slot ${slot} was skipped, or missing due to ledger jump to recent snapshot`);
  return new RpcError(BLOCK_CLEANED_UP, `Block ${slot} cleaned up, does not exist on node. First available block: ${found.firstAvailable}`);
}

function getBlock(p: Params, ctx: RpcContext) {
  const slot = slotParam(p[0], 'slot');
  const config = typeof p[1] === 'string' ? { encoding: p[1] } : configAt(p, 1);
  const level = blockCommitment(config);
  const details = config.transactionDetails ?? 'full';
  if (details !== 'signatures' && details !== 'none') {
    throw invalidParams(`Invalid params: localnet serves transactionDetails "signatures" or "none", not ${JSON.stringify(details)}`);
  }
  const found = ctx.chain.blockAtSlot(slot, level);
  if (!('block' in found)) throw missingBlock(slot, found);
  const b = found.block;
  const parent = ctx.chain.blockAtSlot(b.parent, level);
  return {
    blockHeight: b.height,
    blockTime: b.blockTime,
    blockhash: b.blockhash,
    parentSlot: b.parent,
    // The genesis block is its own parent; a parent cleaned up is still named by its hash.
    previousBlockhash: 'block' in parent ? parent.block.blockhash : b.slot === 0 ? b.blockhash : ctx.chain.blockhashOfSlot(b.parent),
    ...(details === 'signatures' ? { signatures: [...b.signatures] } : {}),
    ...(config.rewards === false ? {} : { rewards: [] }),
  };
}

function getBlocks(p: Params, ctx: RpcContext) {
  const start = slotParam(p[0], 'start slot');
  const endGiven = typeof p[1] === 'number';
  const config = endGiven ? configAt(p, 2) : configAt(p, 1);
  const level = blockCommitment(config);
  const end = endGiven ? slotParam(p[1], 'end slot') : start + MAX_GET_BLOCKS_RANGE;
  if (end - start > MAX_GET_BLOCKS_RANGE) throw invalidParams(`Slot range too large; max ${MAX_GET_BLOCKS_RANGE}`);
  return end < start ? [] : ctx.chain.slotsBetween(start, end, level);
}

export const blockMethods: Record<string, Handler> = { getBlock, getBlocks };
