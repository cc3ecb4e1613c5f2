// Solana PubSub over WebSocket: subscriptions keyed by id, notified from chain events at each
// subscription's own commitment.
import type { WebSocket } from 'ws';
import { emptyAccount, sameAccount, type AccountChange, type AccountSnap } from './accounts.ts';
import type { Commitment } from './commitment.ts';
import { encodeAccount, type AccountEncoding } from './encoding.ts';
import { matchesFilters, parseFilters, type AccountFilter } from './filters.ts';
import type { Block, ChainEvents, SlotInfo, TxRecord } from './ledger-types.ts';
import { mintDecimalsAt, type RpcContext } from './rpc/context.ts';
import { withFaults } from './rpc/dispatch.ts';
import { scanRefusal, subscriptionRefusal } from './provider-limits.ts';
import { invalidParams, METHOD_NOT_FOUND, RpcError } from './rpc/errors.ts';
import { commitmentOf, configAt, encodingOf, pubkeyAt, stringAt, type Params } from './rpc/params.ts';

type Sub = { id: number; ws: WebSocket } & (
  | { kind: 'account'; address: string; level: Commitment; encoding: AccountEncoding }
  | { kind: 'program'; program: string; level: Commitment; encoding: AccountEncoding; filters: AccountFilter[] }
  | { kind: 'signature'; signature: string; level: Commitment }
  | { kind: 'logs'; mentions: string | null; level: Commitment }
  | { kind: 'slot' }
  | { kind: 'root' }
);

type Kind = Sub['kind'];

const NOTIFICATION: Record<Kind, string> = {
  account: 'accountNotification',
  program: 'programNotification',
  signature: 'signatureNotification',
  logs: 'logsNotification',
  slot: 'slotNotification',
  root: 'rootNotification',
};

type ProgramSub = Sub & { kind: 'program' };

/**
 * Where a program subscription filtered by a 32-byte key at offset 0 or 32 (a token account's
 * mint or owner) is filed, so a block's changes find their subscribers by their own bytes:
 * with thousands of per-mint subscriptions, matching every change against every subscription
 * would cost more than the block.
 */
const keyOf = (offset: number, bytes: Uint8Array) => `${offset}:${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')}`;
const INDEXED_OFFSETS = [0, 32] as const;

function indexKey(s: ProgramSub): string | null {
  const f = s.filters.find((x) => x.kind === 'memcmp' && x.bytes.length === 32 && (INDEXED_OFFSETS as readonly number[]).includes(x.offset));
  return f && f.kind === 'memcmp' ? keyOf(f.offset, f.bytes) : null;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function deleteFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set?.delete(value) && set.size === 0) map.delete(key);
}

export class SubscriptionHub implements ChainEvents {
  private readonly subs = new Map<number, Sub>();
  /** The same subscriptions, indexed for the block's changes and by kind. */
  private readonly accountSubs = new Map<string, Set<Sub & { kind: 'account' }>>();
  private readonly keyedProgramSubs = new Map<string, Set<ProgramSub>>();
  private readonly otherProgramSubs = new Set<ProgramSub>();
  private readonly byKind = new Map<Kind, Set<Sub>>();
  /** Subscriptions per connection, for the provider's cap. */
  private readonly held = new Map<WebSocket, number>();
  private nextId = 1;
  private readonly ctx: RpcContext;

  constructor(ctx: RpcContext) {
    this.ctx = ctx;
  }

  count(): number {
    return this.subs.size;
  }

  attach(ws: WebSocket): void {
    ws.on('message', (raw) => {
      void this.onMessage(ws, raw.toString());
    });
    ws.on('close', () => {
      for (const s of [...this.subs.values()]) if (s.ws === ws) this.remove(s);
      this.held.delete(ws);
    });
    ws.on('error', () => ws.terminate());
  }

  private async onMessage(ws: WebSocket, text: string): Promise<void> {
    let req: Record<string, unknown>;
    try {
      req = JSON.parse(text) as Record<string, unknown>;
    } catch {
      send(ws, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    const id = typeof req.id === 'number' || typeof req.id === 'string' ? req.id : null;
    const method = typeof req.method === 'string' ? req.method : '';
    const params = Array.isArray(req.params) ? (req.params as Params) : [];
    try {
      const after: Array<() => void> = [];
      const result = await withFaults(this.ctx, method, () => this.call(ws, method, params, after));
      send(ws, { jsonrpc: '2.0', result, id });
      for (const f of after) f();
    } catch (e) {
      const err = e instanceof RpcError ? e : new RpcError(-32603, (e as Error).message);
      send(ws, { jsonrpc: '2.0', error: { code: err.code, message: err.message }, id });
    }
  }

  private call(ws: WebSocket, method: string, p: Params, after: Array<() => void>): unknown {
    if (method.endsWith('Unsubscribe')) {
      const id = p[0];
      if (typeof id !== 'number') throw invalidParams('Invalid params: subscription id');
      const s = this.subs.get(id);
      if (!s || s.ws !== ws) throw invalidParams('Invalid subscription id.');
      this.remove(s);
      return true;
    }
    const capped = this.ctx.limits && subscriptionRefusal(this.ctx.limits, this.held.get(ws) ?? 0);
    if (capped && method.endsWith('Subscribe')) throw capped;
    const id = this.nextId++;
    let sub: Sub;
    switch (method) {
      case 'accountSubscribe': {
        const c = configAt(p, 1);
        sub = { id, ws, kind: 'account', address: pubkeyAt(p, 0), level: commitmentOf(c), encoding: encodingOf(c, 'base58') };
        break;
      }
      case 'programSubscribe': {
        const c = configAt(p, 1);
        const filters = parseFilters(c.filters);
        if (typeof filters === 'string') throw invalidParams(`Invalid params: ${filters}`);
        const refused = this.ctx.limits && scanRefusal(this.ctx.limits, pubkeyAt(p, 0), filters);
        if (refused) throw refused;
        sub = { id, ws, kind: 'program', program: pubkeyAt(p, 0), level: commitmentOf(c), encoding: encodingOf(c, 'base58'), filters };
        break;
      }
      case 'signatureSubscribe': {
        const signature = stringAt(p, 0, 'signature');
        const level = commitmentOf(configAt(p, 1));
        sub = { id, ws, kind: 'signature', signature, level };
        const tx = this.ctx.chain.getTx(signature);
        // A signature that already reached the level is answered at once, as the real node does.
        if (tx && this.ctx.chain.txVisible(tx, level)) {
          after.push(() => this.notifySignature(sub as Sub & { kind: 'signature' }, tx));
          this.add(sub);
          return id;
        }
        break;
      }
      case 'logsSubscribe': {
        const f = p[0];
        let mentions: string | null;
        if (f === 'all' || f === 'allWithVotes') mentions = null;
        else if (typeof f === 'object' && f !== null && Array.isArray((f as { mentions?: unknown }).mentions)) {
          const list = (f as { mentions: unknown[] }).mentions;
          if (list.length !== 1) throw invalidParams('Invalid Request: Only 1 address supported');
          mentions = pubkeyAt(list, 0);
        } else throw invalidParams('Invalid params: logs filter');
        sub = { id, ws, kind: 'logs', mentions, level: commitmentOf(configAt(p, 1)) };
        break;
      }
      case 'slotSubscribe':
        sub = { id, ws, kind: 'slot' };
        break;
      case 'rootSubscribe':
        sub = { id, ws, kind: 'root' };
        break;
      default:
        throw new RpcError(METHOD_NOT_FOUND, 'Method not found');
    }
    this.add(sub);
    return id;
  }

  private add(sub: Sub): void {
    this.subs.set(sub.id, sub);
    this.held.set(sub.ws, (this.held.get(sub.ws) ?? 0) + 1);
    addTo(this.byKind, sub.kind, sub);
    if (sub.kind === 'account') addTo(this.accountSubs, sub.address, sub);
    if (sub.kind === 'program') {
      const key = indexKey(sub);
      if (key === null) this.otherProgramSubs.add(sub);
      else addTo(this.keyedProgramSubs, key, sub);
    }
  }

  private remove(sub: Sub): void {
    if (!this.subs.delete(sub.id)) return;
    this.held.set(sub.ws, (this.held.get(sub.ws) ?? 1) - 1);
    deleteFrom(this.byKind, sub.kind, sub);
    if (sub.kind === 'account') deleteFrom(this.accountSubs, sub.address, sub);
    if (sub.kind === 'program') {
      const key = indexKey(sub);
      if (key === null) this.otherProgramSubs.delete(sub);
      else deleteFrom(this.keyedProgramSubs, key, sub);
    }
  }

  /** The program subscriptions that may want to hear of an account with these values: the unindexed ones and those filed under its keys. */
  private programSubsFor(values: ReadonlyArray<AccountSnap | null>): Iterable<ProgramSub> {
    const found = new Set<ProgramSub>(this.otherProgramSubs);
    if (this.keyedProgramSubs.size === 0) return found;
    for (const a of values) {
      if (!a) continue;
      for (const offset of INDEXED_OFFSETS) {
        if (a.data.length < offset + 32) continue;
        for (const sub of this.keyedProgramSubs.get(keyOf(offset, a.data.subarray(offset, offset + 32))) ?? []) found.add(sub);
      }
    }
    return found;
  }

  private notify(s: Sub, result: unknown): void {
    send(s.ws, { jsonrpc: '2.0', method: NOTIFICATION[s.kind], params: { result, subscription: s.id } });
  }

  private notifySignature(s: Sub & { kind: 'signature' }, tx: TxRecord): void {
    this.remove(s);
    this.notify(s, { context: { slot: tx.slot }, value: { err: tx.err } });
  }

  onBlock(level: Commitment, block: Block, txs: readonly TxRecord[]): void {
    if (this.subs.size === 0) return;
    const context = { slot: block.slot };
    const decimals = mintDecimalsAt(this.ctx, level);
    const encode = (a: AccountSnap, enc: AccountEncoding) => encodeAccount(a, enc, null, decimals);
    // Subscribers are found from the block's changes (not the other way round), so the cost
    // follows the block, whatever the number of subscriptions.
    for (const [pubkey, change] of block.changes) {
      for (const s of [...(this.accountSubs.get(pubkey) ?? [])]) {
        if (s.level !== level) continue;
        // As the real node does: an account subscriber is told whenever the value it last saw is
        // not the one its level now holds, so an abandoned fork is undone for it.
        if (!sameAccount(shownBefore(level, change), change.post)) this.notify(s, { context, value: encode(change.post ?? emptyAccount(), s.encoding) });
      }
      // A program subscriber hears only of accounts this block wrote (the real node lists the
      // program's accounts modified since the parent): a fork's undone values are not resent.
      const before = change.pre;
      const now = change.post;
      if (sameAccount(before, now) || (this.otherProgramSubs.size === 0 && this.keyedProgramSubs.size === 0)) continue;
      for (const s of this.programSubsFor([before, now])) {
        if (s.level !== level) continue;
        const isMember = (a: AccountSnap | null) => a !== null && a.owner === s.program && matchesFilters(a.data, s.filters);
        // An account that leaves the program (closed, reassigned) is reported once with its new
        // value, so a stream consumer learns it is gone.
        if (isMember(now) || isMember(before)) this.notify(s, { context, value: { pubkey, account: encode(now ?? emptyAccount(), s.encoding) } });
      }
    }
    for (const s of [...(this.byKind.get('signature') ?? [])]) {
      if (s.kind !== 'signature' || s.level !== level) continue;
      const tx = txs.find((t) => t.signature === s.signature);
      if (tx) this.notifySignature(s, tx);
    }
    for (const s of this.byKind.get('logs') ?? []) {
      if (s.kind !== 'logs' || s.level !== level) continue;
      for (const tx of txs) {
        if (s.mentions !== null && !tx.accountKeys.includes(s.mentions)) continue;
        this.notify(s, { context, value: { signature: tx.signature, err: tx.err, logs: tx.logs } });
      }
    }
  }

  onSlot(info: SlotInfo): void {
    for (const s of this.byKind.get('slot') ?? []) this.notify(s, info);
  }

  onRoot(slot: number): void {
    for (const s of this.byKind.get('root') ?? []) this.notify(s, slot);
  }

  /** Forgets every subscription; the caller closes the sockets. */
  clear(): void {
    for (const s of [...this.subs.values()]) this.remove(s);
  }
}

/**
 * What account subscribers at `level` last saw: a block that replaces a fork records what the
 * abandoned blocks showed at each level they reached; finalized never sees a fork.
 */
function shownBefore(level: Commitment, change: AccountChange): AccountSnap | null {
  const shown = level === 'finalized' ? undefined : change.shown?.[level];
  return shown !== undefined ? shown : change.pre;
}

function send(ws: WebSocket, message: unknown): void {
  if (ws.readyState === 1) ws.send(JSON.stringify(message));
}
