// chain-ingest's stream of its own mints, and nothing else of the chain. Per tracked mint, two
// subscriptions: the Token program's accounts filtered by the mint (memcmp at offset 0: every
// token account of that mint, the next holder's included, with its data, so a transfer costs no
// read) and the mint account (its supply: a landing or a burn). A hosted provider serves both;
// it refuses the unfiltered program subscription a stream of the whole Token program would
// need. The subscriptions are spread over WebSocket connections of at most `perConnection`
// each; every connection reconnects on its own (subscriptions.ts) and a drop is a gap.
import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import type { PubSubSocket } from '../lib/solana/pubsub.ts';
import { subscribeAcross, type DropInfo, type Subscriptions } from '../lib/solana/subscriptions.ts';
import { TOKEN_ACCOUNT_SIZE } from '../lib/solana/token-accounts.ts';

export interface MintStreamHandlers {
  onTokenAccount(pubkey: string, data: Uint8Array, slot: number): void;
  onMintAccount(mint: string, slot: number): void;
  /** A connection that was streaming dropped: what it carried may have been missed. */
  onDisconnect(): void;
  onReconnect(url: string): void;
}

export interface MintStreamOptions {
  /** Subscriptions one connection may hold (the provider's cap); each mint takes two. */
  perConnection: number;
  timeoutMs?: number;
  onDrop?: (drop: DropInfo) => void;
}

/** Subscriptions each followed mint costs. */
export const SUBSCRIPTIONS_PER_MINT = 2;

const TOKEN = TOKEN_PROGRAM_ID.toBase58();

interface ProgramNotification {
  context: { slot: number };
  value: { pubkey: string; account: { data: [string, string] } };
}

/** A programNotification with base64 data, or null if it is not shaped like one. */
export function programChange(result: unknown): { pubkey: string; data: Uint8Array; slot: number } | null {
  const r = result as Partial<ProgramNotification> | null;
  const data = r?.value?.account?.data;
  if (typeof r?.context?.slot !== 'number' || typeof r.value?.pubkey !== 'string' || !Array.isArray(data) || typeof data[0] !== 'string') return null;
  return { pubkey: r.value.pubkey, data: Buffer.from(data[0], 'base64'), slot: r.context.slot };
}

function subscribeMint(socket: PubSubSocket, mint: string, h: MintStreamHandlers): Promise<unknown> {
  return Promise.all([
    socket.subscribe(
      'programSubscribe',
      [TOKEN, { commitment: 'confirmed', encoding: 'base64', filters: [{ dataSize: TOKEN_ACCOUNT_SIZE }, { memcmp: { offset: 0, bytes: mint } }] }],
      (r) => {
        const c = programChange(r);
        if (c) h.onTokenAccount(c.pubkey, c.data, c.slot);
      },
    ),
    socket.subscribe('accountSubscribe', [mint, { commitment: 'confirmed', encoding: 'base64' }], (r) => {
      const slot = (r as { context?: { slot?: unknown } } | null)?.context?.slot;
      if (typeof slot === 'number') h.onMintAccount(mint, slot);
    }),
  ]);
}

/** One connection's share of the mints. */
class Shard {
  readonly mints = new Set<string>();
  /** Set once every mint of the shard is subscribed on it; null while (re)connecting. */
  private socket: PubSubSocket | null = null;
  private readonly subs: Subscriptions;

  constructor(urls: readonly string[], h: MintStreamHandlers, opts: MintStreamOptions) {
    this.subs = subscribeAcross({
      urls,
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      subscribe: async (socket) => {
        this.socket = null;
        // Mints added while the earlier ones are being subscribed are picked up by the next pass.
        const done = new Set<string>();
        for (;;) {
          const todo = [...this.mints].filter((m) => !done.has(m));
          if (todo.length === 0) break;
          await Promise.all(todo.map((m) => subscribeMint(socket, m, h)));
          for (const m of todo) done.add(m);
        }
        this.socket = socket;
      },
      onOpen: (url, reopened) => {
        if (reopened) h.onReconnect(url);
      },
      onDrop: (drop) => {
        this.socket = null;
        // Only a socket that was streaming leaves a gap; a failed dial had nothing to lose.
        if (drop.upForMs !== null) h.onDisconnect();
        opts.onDrop?.(drop);
      },
    });
  }

  get ready(): boolean {
    return this.socket !== null;
  }

  add(mint: string, h: MintStreamHandlers): void {
    this.mints.add(mint);
    const socket = this.socket;
    // A refused subscribe drops the connection: the next one subscribes everything again.
    if (socket) void subscribeMint(socket, mint, h).catch(() => socket.close());
  }

  restart(): void {
    this.subs.restart();
  }

  close(): Promise<void> {
    return this.subs.close();
  }
}

export class MintStream {
  private readonly shards: Shard[] = [];
  private readonly followed = new Set<string>();
  private readonly perShard: number;

  constructor(
    private readonly urls: readonly string[],
    private readonly h: MintStreamHandlers,
    private readonly opts: MintStreamOptions,
  ) {
    if (urls.length === 0) throw new RangeError('the mint stream needs at least one WebSocket endpoint');
    this.perShard = Math.max(1, Math.floor(opts.perConnection / SUBSCRIPTIONS_PER_MINT));
  }

  /** Follows these mints from now on (a mint already followed is left as it is). */
  add(mints: Iterable<string>): void {
    for (const mint of mints) {
      if (this.followed.has(mint)) continue;
      this.followed.add(mint);
      let shard = this.shards.at(-1);
      if (!shard || shard.mints.size >= this.perShard) this.shards.push((shard = new Shard(this.urls, this.h, this.opts)));
      shard.add(mint, this.h);
    }
  }

  /** Every connection has all its mints subscribed: nothing followed is going unheard. */
  get complete(): boolean {
    return this.shards.every((s) => s.ready);
  }

  get connections(): number {
    return this.shards.length;
  }

  get size(): number {
    return this.followed.size;
  }

  /** Drops every connection (a stream gone silent): each dials again and subscribes afresh. */
  restart(): void {
    for (const s of this.shards) s.restart();
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.close()));
  }
}
