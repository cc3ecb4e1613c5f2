// One Solana PubSub WebSocket: subscribe requests answered by id, notifications routed by
// subscription id, a ping every few seconds so a dead peer is noticed. It does not reconnect:
// subscriptions.ts opens a new one (on the next endpoint) when `closed` resolves.
import WebSocket from 'ws';
import { RpcCallError } from './rpc-pool.ts';

export interface PubSubSocket {
  readonly url: string;
  /** Sends `method` (programSubscribe, slotSubscribe …); resolves with its subscription id. */
  subscribe(method: string, params: unknown[], onNotification: (result: unknown) => void): Promise<number>;
  /** Resolves once the socket is closed, whoever closed it, with the error if there was one. */
  readonly closed: Promise<Error | undefined>;
  close(): void;
}

export interface PubSubOptions {
  /** For the handshake and each subscribe answer. */
  timeoutMs?: number;
  /** A socket that answers no ping for twice this long is dropped. */
  pingMs?: number;
}

/** Opens the socket; rejects if the endpoint refuses or does not answer in time. */
export function connectPubSub(url: string, opts: PubSubOptions = {}): Promise<PubSubSocket> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const pingMs = opts.pingMs ?? 5_000;
  const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
  // A notification can follow its subscribe answer in the same read, before any await resumes:
  // the handler is registered as the answer is read.
  const pending = new Map<
    number,
    { method: string; onNotification: (result: unknown) => void; resolve: (id: number) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  const handlers = new Map<number, (result: unknown) => void>();
  let nextId = 0;
  let lastError: Error | undefined;
  let answered = true;

  const closed = new Promise<Error | undefined>((resolve) => {
    ws.on('close', () => {
      clearInterval(pinger);
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(lastError ?? new Error(`WebSocket ${url} closed`));
      }
      pending.clear();
      resolve(lastError);
    });
  });
  const pinger = setInterval(() => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (!answered) return void ws.terminate();
    answered = false;
    ws.ping();
  }, pingMs);
  pinger.unref();
  ws.on('pong', () => (answered = true));
  ws.on('error', (err) => {
    lastError = err;
    ws.terminate();
  });
  ws.on('message', (raw) => {
    let msg: { id?: number; result?: unknown; error?: { code: number; message: string }; params?: { subscription?: number; result?: unknown } };
    try {
      msg = JSON.parse(raw.toString()) as typeof msg;
    } catch {
      return;
    }
    if (typeof msg.id === 'number') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) return p.reject(new RpcCallError(msg.error.code, msg.error.message, undefined));
      if (typeof msg.result !== 'number') return p.reject(new Error(`${p.method} on ${url} answered ${JSON.stringify(msg.result)}, not a subscription id`));
      handlers.set(msg.result, p.onNotification);
      p.resolve(msg.result);
    } else if (typeof msg.params?.subscription === 'number') {
      handlers.get(msg.params.subscription)?.(msg.params.result);
    }
  });

  const socket: PubSubSocket = {
    url,
    closed,
    close: () => ws.close(),
    subscribe(method, params, onNotification) {
      if (ws.readyState !== WebSocket.OPEN) return Promise.reject(lastError ?? new Error(`WebSocket ${url} is not open`));
      const id = ++nextId;
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${method} on ${url} got no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { method, onNotification, resolve, reject, timer });
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      });
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket));
    void closed.then((err) => reject(err ?? new Error(`WebSocket ${url} closed before it opened`)));
  });
}
