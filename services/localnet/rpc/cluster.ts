// Cluster, slot and blockhash methods.
import { lastValidBlockHeight } from '../commitment.ts';
import { API_VERSION, withContext, type Handler } from './context.ts';
import { invalidParams } from './errors.ts';
import { commitmentOf, configAt, leadingConfig, pubkeyAt, stringAt } from './params.ts';

const SLOTS_PER_EPOCH = 432_000;
const MAX_AIRDROP_LAMPORTS = 1_000_000_000_000_000n;

export const clusterMethods: Record<string, Handler> = {
  getVersion: () => ({ 'solana-core': API_VERSION, 'feature-set': 3294202862 }),
  getHealth: () => 'ok',
  getGenesisHash: (_p, ctx) => ctx.chain.state.genesisHash,
  getSlot: (p, ctx) => ctx.chain.blockAt(commitmentOf(leadingConfig(p, 0))).slot,
  getBlockHeight: (p, ctx) => ctx.chain.blockAt(commitmentOf(leadingConfig(p, 0))).height,
  getEpochInfo: (p, ctx) => {
    const b = ctx.chain.blockAt(commitmentOf(leadingConfig(p, 0)));
    return {
      absoluteSlot: b.slot,
      blockHeight: b.height,
      epoch: Math.floor(b.slot / SLOTS_PER_EPOCH),
      slotIndex: b.slot % SLOTS_PER_EPOCH,
      slotsInEpoch: SLOTS_PER_EPOCH,
      transactionCount: ctx.chain.state.txs.size,
    };
  },
  getLatestBlockhash: (p, ctx) => {
    const level = commitmentOf(leadingConfig(p, 0));
    const b = ctx.chain.blockAt(level);
    return withContext(ctx, level, { blockhash: b.blockhash, lastValidBlockHeight: lastValidBlockHeight(b.height) });
  },
  isBlockhashValid: (p, ctx) => {
    const hash = stringAt(p, 0, 'blockhash');
    const level = commitmentOf(configAt(p, 1));
    return withContext(ctx, level, ctx.chain.isBlockhashValid(hash, level));
  },
  getMinimumBalanceForRentExemption: (p, ctx) => {
    const len = p[0];
    if (!Number.isInteger(len) || (len as number) < 0) throw invalidParams('Invalid param: data length');
    return Number(ctx.chain.svm.minimumBalanceForRentExemption(BigInt(len as number)));
  },
  requestAirdrop: (p, ctx) => {
    const to = pubkeyAt(p, 0);
    const amount = p[1];
    if (!Number.isInteger(amount) || (amount as number) <= 0) throw invalidParams('Invalid param: lamports');
    const lamports = BigInt(amount as number);
    if (lamports > MAX_AIRDROP_LAMPORTS) throw invalidParams('Invalid param: airdrop too large');
    return ctx.airdrop(to, lamports);
  },
};
