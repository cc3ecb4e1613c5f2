// The chain's clock: slot and root notifications over the listed PubSub endpoints, on a
// connection of their own. A drop is reported so the caller can open a gap; the next endpoint is
// dialled after a backoff with jitter (lib/solana/subscriptions.ts). The mints' own changes come
// over mint-stream.ts.
import type { DropInfo } from '../lib/solana/subscriptions.ts';
import { subscribeAcross } from '../lib/solana/subscriptions.ts';

export interface SlotStreamHandlers {
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

export function openSlotStream(urls: readonly string[], h: SlotStreamHandlers, opts: { onDrop?: (drop: DropInfo) => void; timeoutMs?: number } = {}): Stream {
  return subscribeAcross({
    urls,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    subscribe: async (socket) => {
      await Promise.all([
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
