// The account stream: Token-program account changes (token accounts and mints, by data size) at
// confirmed, plus slot and root notifications, over @solana/web3.js subscriptions. Disconnects are
// reported so the caller can open a gap; web3.js reconnects and re-subscribes by itself.
import type { Connection } from '@solana/web3.js';
import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { MINT_ACCOUNT_SIZE, TOKEN_ACCOUNT_SIZE } from '../lib/solana/token-accounts.ts';

export interface StreamHandlers {
  onTokenAccount(pubkey: string, data: Uint8Array, slot: number): void;
  onMintAccount(pubkey: string, slot: number): void;
  onSlot(slot: number): void;
  onRoot(root: number): void;
  onDisconnect(): void;
  onReconnect(): void;
}

export interface Stream {
  close(): Promise<void>;
}

/** web3.js does not expose its socket's life; its internal client is an EventEmitter. */
type SocketEvents = { on(event: 'open' | 'close', fn: () => void): void; off(event: 'open' | 'close', fn: () => void): void };

export function openStream(conn: Connection, h: StreamHandlers): Stream {
  const ids = [
    conn.onProgramAccountChange(TOKEN_PROGRAM_ID, (a, ctx) => h.onTokenAccount(a.accountId.toBase58(), a.accountInfo.data, ctx.slot), {
      commitment: 'confirmed',
      filters: [{ dataSize: TOKEN_ACCOUNT_SIZE }],
    }),
    conn.onProgramAccountChange(TOKEN_PROGRAM_ID, (a, ctx) => h.onMintAccount(a.accountId.toBase58(), ctx.slot), {
      commitment: 'confirmed',
      filters: [{ dataSize: MINT_ACCOUNT_SIZE }],
    }),
  ];
  const slotId = conn.onSlotChange((s) => h.onSlot(s.slot));
  const rootId = conn.onRootChange((r) => h.onRoot(r));

  const socket = (conn as unknown as { _rpcWebSocket?: SocketEvents })._rpcWebSocket;
  let connectedOnce = false;
  const onOpen = () => {
    if (connectedOnce) h.onReconnect();
    connectedOnce = true;
  };
  const onClose = () => h.onDisconnect();
  socket?.on('open', onOpen);
  socket?.on('close', onClose);

  return {
    async close() {
      socket?.off('open', onOpen);
      socket?.off('close', onClose);
      await Promise.allSettled([
        ...ids.map((id) => conn.removeProgramAccountChangeListener(id)),
        conn.removeSlotChangeListener(slotId),
        conn.removeRootChangeListener(rootId),
      ]);
    },
  };
}
