// The account stream: Token-program account changes (token accounts and mints, by data size) at
// confirmed, plus slot and root notifications, over the listed PubSub endpoints. A drop is
// reported so the caller can open a gap; the next endpoint is dialled after a backoff with
// jitter and everything is subscribed again (lib/solana/subscriptions.ts).
import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import type { DropInfo } from '../lib/solana/subscriptions.ts';
import { subscribeAcross } from '../lib/solana/subscriptions.ts';
import { MINT_ACCOUNT_SIZE, TOKEN_ACCOUNT_SIZE } from '../lib/solana/token-accounts.ts';

export interface StreamHandlers {
  onTokenAccount(pubkey: string, data: Uint8Array, slot: number): void;
  onMintAccount(pubkey: string, slot: number): void;
  onSlot(slot: number): void;
  onRoot(root: number): void;
  onDisconnect(): void;
  onReconnect(url: string): void;
}

export interface Stream {
  /** The endpoint streaming now, if any. */
  readonly url: string | null;
  /** Drops the socket (a stream gone silent) for the next endpoint. */
  restart(): void;
  close(): Promise<void>;
}

interface ProgramNotification {
  context: { slot: number };
  value: { pubkey: string; account: { data: [string, string] } };
}

/** A programNotification with base64 data, or null if it is not shaped like one. */
function programChange(result: unknown): { pubkey: string; data: Uint8Array; slot: number } | null {
  const r = result as Partial<ProgramNotification> | null;
  const data = r?.value?.account?.data;
  if (typeof r?.context?.slot !== 'number' || typeof r.value?.pubkey !== 'string' || !Array.isArray(data) || typeof data[0] !== 'string') return null;
  return { pubkey: r.value.pubkey, data: Buffer.from(data[0], 'base64'), slot: r.context.slot };
}

const program = (dataSize: number) => [TOKEN_PROGRAM_ID.toBase58(), { commitment: 'confirmed', encoding: 'base64', filters: [{ dataSize }] }];

export function openStream(urls: readonly string[], h: StreamHandlers, opts: { onDrop?: (drop: DropInfo) => void; timeoutMs?: number } = {}): Stream {
  return subscribeAcross({
    urls,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    subscribe: async (socket) => {
      await Promise.all([
        socket.subscribe('programSubscribe', program(TOKEN_ACCOUNT_SIZE), (r) => {
          const c = programChange(r);
          if (c) h.onTokenAccount(c.pubkey, c.data, c.slot);
        }),
        socket.subscribe('programSubscribe', program(MINT_ACCOUNT_SIZE), (r) => {
          const c = programChange(r);
          if (c) h.onMintAccount(c.pubkey, c.slot);
        }),
        socket.subscribe('slotSubscribe', [], (r) => {
          const slot = (r as { slot?: unknown } | null)?.slot;
          if (typeof slot === 'number') h.onSlot(slot);
        }),
        socket.subscribe('rootSubscribe', [], (r) => {
          if (typeof r === 'number') h.onRoot(r);
        }),
      ]);
    },
    onOpen: (url, reopened) => {
      if (reopened) h.onReconnect(url);
    },
    onDrop: (drop) => {
      // Only a socket that was streaming leaves a gap; a failed dial had nothing to lose.
      if (drop.upForMs !== null) h.onDisconnect();
      opts.onDrop?.(drop);
    },
  });
}
