// Sending, simulating and looking up transactions.
import { getBase58Encoder } from '@solana/kit';
import { VersionedMessage, VersionedTransaction } from '@solana/web3.js';
import { lastValidBlockHeight, type Commitment } from '../commitment.ts';
import { encodeAccount } from '../encoding.ts';
import type { TxRecord } from '../ledger-types.ts';
import { describeTxError } from '../txerror.ts';
import { takeDrop } from '../faults.ts';
import { computeBudgetOf, feeLamports, landsAt, type ComputeBudget } from '../fee-market.ts';
import { parseWireTransaction } from '../txparse.ts';
import { mintDecimalsAt, withContext, type Handler, type RpcContext } from './context.ts';
import {
  invalidParams,
  RpcError,
  SEND_TRANSACTION_PREFLIGHT_FAILURE,
  TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
  UNSUPPORTED_TRANSACTION_VERSION,
} from './errors.ts';
import { commitmentOf, configAt, encodingOf, isPubkey, pubkeyAt, stringAt, type Params } from './params.ts';

function wireBytes(p: Params, config: Record<string, unknown>): Uint8Array {
  const encoded = stringAt(p, 0, 'transaction');
  const encoding = config.encoding ?? 'base58';
  try {
    if (encoding === 'base64') return new Uint8Array(Buffer.from(encoded, 'base64'));
    if (encoding === 'base58') return new Uint8Array(getBase58Encoder().encode(encoded));
  } catch {
    throw invalidParams(`invalid ${String(encoding)} encoding`);
  }
  throw invalidParams(`Invalid params: unsupported encoding ${String(encoding)}`);
}

function parseOrReject<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw invalidParams(`failed to deserialize transaction: ${(e as Error).message}`);
  }
}

function accountKeysOf(wire: Uint8Array): string[] {
  try {
    return parseWireTransaction(wire).accountKeys;
  } catch {
    return [];
  }
}

/** The compute budget a wire transaction asks for; an unparsable one asks for nothing (submit rejects it). */
/** A node's cap on getRecentPrioritizationFees's account list. */
const MAX_PRIORITIZATION_FEE_KEYS = 128;

function budgetOfWire(wire: Uint8Array): ComputeBudget {
  try {
    const message = VersionedTransaction.deserialize(wire).message;
    return budgetOfMessage(message);
  } catch {
    return { unitPrice: 0n, unitLimit: 0 };
  }
}

const budgetOfMessage = (message: VersionedMessage): ComputeBudget =>
  computeBudgetOf(
    message.staticAccountKeys.map((k) => k.toBase58()),
    message.compiledInstructions.map((ix) => ({ programIdIndex: ix.programIdIndex, data: ix.data })),
  );

function tooOldForFinalized(level: Commitment): Commitment {
  // The real node refuses processed for getTransaction; answering at confirmed is kinder.
  return level === 'processed' ? 'confirmed' : level;
}

function transactionJson(ctx: RpcContext, tx: TxRecord, encoding: string) {
  const meta = {
    err: tx.err,
    status: tx.err === null ? { Ok: null } : { Err: tx.err },
    fee: tx.fee,
    preBalances: tx.preBalances,
    postBalances: tx.postBalances,
    innerInstructions: [],
    logMessages: tx.logs,
    preTokenBalances: tx.preTokenBalances,
    postTokenBalances: tx.postTokenBalances,
    rewards: [],
    loadedAddresses: { writable: [], readonly: [] },
    computeUnitsConsumed: tx.computeUnits,
  };
  let transaction: unknown = tx.transaction;
  if (encoding === 'jsonParsed') {
    const msg = tx.transaction.message as {
      header: { numRequiredSignatures: number; numReadonlySignedAccounts: number; numReadonlyUnsignedAccounts: number };
      accountKeys: string[];
      instructions: Array<{ accounts: number[]; data: string; programIdIndex: number }>;
      recentBlockhash: string;
    };
    const n = msg.accountKeys.length;
    const { numRequiredSignatures: s, numReadonlySignedAccounts: rs, numReadonlyUnsignedAccounts: ru } = msg.header;
    transaction = {
      signatures: tx.transaction.signatures,
      message: {
        accountKeys: msg.accountKeys.map((pubkey, i) => ({
          pubkey,
          signer: i < s,
          writable: i < s ? i < s - rs : i < n - ru,
          source: 'transaction',
        })),
        instructions: msg.instructions.map((ix) => ({
          programId: msg.accountKeys[ix.programIdIndex],
          accounts: ix.accounts.map((a) => msg.accountKeys[a]),
          data: ix.data,
          stackHeight: null,
        })),
        recentBlockhash: msg.recentBlockhash,
      },
    };
  } else if (encoding === 'base64') {
    throw invalidParams('Invalid params: base64 transaction encoding is not supported by localnet');
  }
  return { slot: tx.slot, blockTime: tx.blockTime, meta, transaction, version: tx.version };
}

export const transactionMethods: Record<string, Handler> = {
  sendTransaction: (p, ctx) => {
    const config = configAt(p, 1);
    const wire = wireBytes(p, config);
    // Account keys are read only while a scoped drop is armed; a bad wire fails in submit below.
    const keys = ctx.faults.dropTouching.size > 0 ? accountKeysOf(wire) : [];
    const drop = takeDrop(ctx.faults, keys);
    const underpriced = !drop && ctx.faults.congestionMicroLamports > 0n && !landsAt(budgetOfWire(wire), ctx.faults.congestionMicroLamports);
    const result = parseOrReject(() => ctx.chain.submit(wire, { skipPreflight: config.skipPreflight === true, drop: drop || underpriced }));
    if (result.ok) {
      if (drop) ctx.logger.info({ signature: result.signature }, 'fault: dropped transaction');
      if (underpriced) ctx.logger.info({ signature: result.signature }, 'fault: congestion: priced below the level, never lands');
      return result.signature;
    }
    if (result.err === 'SignatureFailure') {
      throw new RpcError(TRANSACTION_SIGNATURE_VERIFICATION_FAILURE, 'Transaction signature verification failure');
    }
    throw new RpcError(SEND_TRANSACTION_PREFLIGHT_FAILURE, `Transaction simulation failed: ${describeTxError(result.err)}`, {
      accounts: null,
      err: result.err,
      innerInstructions: null,
      loadedAccountsDataSize: 0,
      logs: result.logs,
      replacementBlockhash: null,
      returnData: null,
      unitsConsumed: result.unitsConsumed,
    });
  },
  getFeeForMessage: (p, ctx) => {
    const encoded = stringAt(p, 0, 'message');
    const level = commitmentOf(configAt(p, 1));
    let message: VersionedMessage;
    try {
      message = VersionedMessage.deserialize(Buffer.from(encoded, 'base64'));
    } catch {
      throw invalidParams('Invalid params: invalid message');
    }
    // A node answers null for a message whose blockhash it no longer accepts.
    const usable = ctx.chain.isBlockhashValid(message.recentBlockhash, level);
    return withContext(ctx, level, usable ? Number(feeLamports(message.header.numRequiredSignatures, budgetOfMessage(message))) : null);
  },
  getRecentPrioritizationFees: (p, ctx) => {
    const keys = p[0] ?? [];
    if (!Array.isArray(keys) || !keys.every(isPubkey)) throw invalidParams('Invalid param: pubkeys');
    if (keys.length > MAX_PRIORITIZATION_FEE_KEYS) throw invalidParams(`Too many inputs provided; max ${MAX_PRIORITIZATION_FEE_KEYS}`);
    // One level for the whole chain: the congestion is everybody's, whatever accounts are written.
    return ctx.fees.recent();
  },
  simulateTransaction: (p, ctx) => {
    const config = configAt(p, 1);
    const wire = wireBytes(p, config);
    const replace = config.replaceRecentBlockhash === true;
    const sim = parseOrReject(() => ctx.chain.simulate(wire, { replaceRecentBlockhash: replace, sigVerify: config.sigVerify === true }));
    const wanted = configAt([config.accounts], 0);
    let accounts: unknown = null;
    if (Array.isArray(wanted.addresses)) {
      if (!wanted.addresses.every(isPubkey)) throw invalidParams('Invalid params: accounts.addresses');
      const encoding = encodingOf(wanted, 'base64');
      const decimals = mintDecimalsAt(ctx, 'processed');
      accounts = wanted.addresses.map((address) => {
        const post = sim.postAccount(address);
        const value = post !== undefined ? post : ctx.chain.getAccount(address, 'processed');
        return value ? encodeAccount(value, encoding, null, decimals) : null;
      });
    }
    const tip = ctx.chain.tip();
    return withContext(ctx, 'processed', {
      err: sim.err,
      logs: sim.logs,
      accounts,
      unitsConsumed: sim.unitsConsumed,
      returnData: sim.returnData ? { programId: sim.returnData.programId, data: [Buffer.from(sim.returnData.data).toString('base64'), 'base64'] } : null,
      innerInstructions: null,
      replacementBlockhash: replace ? { blockhash: tip.blockhash, lastValidBlockHeight: lastValidBlockHeight(tip.height) } : null,
    });
  },
  getSignatureStatuses: (p, ctx) => {
    const sigs = p[0];
    if (!Array.isArray(sigs) || sigs.length > 256 || !sigs.every((s) => typeof s === 'string')) {
      throw invalidParams('Invalid params: signatures');
    }
    const search = configAt(p, 1).searchTransactionHistory === true;
    return withContext(
      ctx,
      'processed',
      sigs.map((s) => ctx.chain.signatureStatus(s, search)),
    );
  },
  getTransaction: (p, ctx) => {
    const sig = stringAt(p, 0, 'signature');
    const config = typeof p[1] === 'string' ? { encoding: p[1] } : configAt(p, 1);
    const level = tooOldForFinalized(commitmentOf(config));
    const tx = ctx.chain.getTx(sig);
    if (!tx || !ctx.chain.txVisible(tx, level)) return null;
    if (tx.version === 0 && config.maxSupportedTransactionVersion === undefined) {
      throw new RpcError(
        UNSUPPORTED_TRANSACTION_VERSION,
        'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0',
      );
    }
    return transactionJson(ctx, tx, typeof config.encoding === 'string' ? config.encoding : 'json');
  },
  getSignaturesForAddress: (p, ctx) => {
    const address = pubkeyAt(p, 0);
    const config = configAt(p, 1);
    const level = tooOldForFinalized(commitmentOf(config));
    const limit = config.limit === undefined ? 1000 : config.limit;
    if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > 1000) {
      throw invalidParams('Invalid param: limit must be between 1 and 1000');
    }
    let list = ctx.chain.signaturesForAddress(address, level);
    if (typeof config.before === 'string') {
      const i = list.findIndex((t) => t.signature === config.before);
      list = i >= 0 ? list.slice(i + 1) : list;
    }
    if (typeof config.until === 'string') {
      const i = list.findIndex((t) => t.signature === config.until);
      if (i >= 0) list = list.slice(0, i);
    }
    const h = ctx.chain.heights();
    return list.slice(0, limit as number).map((t) => ({
      signature: t.signature,
      slot: t.slot,
      err: t.err,
      memo: null,
      blockTime: t.blockTime,
      confirmationStatus: t.height <= h.finalized ? 'finalized' : t.height <= h.confirmed ? 'confirmed' : 'processed',
    }));
  },
};
