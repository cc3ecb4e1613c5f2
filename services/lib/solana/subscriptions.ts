// Subscriptions that outlive their socket: on a drop (or a refused dial) the next WebSocket
// endpoint is dialled after a backoff with jitter (reconnect.ts), and the caller subscribes
// afresh on the new socket. The caller learns of each drop and each reopening, so it can treat
// the time in between as a gap.
import { systemClock, type Clock } from '../clock.ts';
import type { BackoffPolicy } from '../retry.ts';
import { connectPubSub, type PubSubOptions, type PubSubSocket } from './pubsub.ts';
import { initialReconnect, nextReconnect } from './reconnect.ts';

export interface DropInfo {
  url: string;
  /** Why, when known. */
  error: Error | undefined;
  /** How long the socket had been up; null: it never opened (or its subscriptions failed). */
  upForMs: number | null;
  next: string;
  delayMs: number;
}

export interface SubscriptionOptions extends PubSubOptions {
  /** Endpoints in the order to try them. */
  urls: readonly string[];
  /** Subscribes on a freshly opened socket; a rejection drops it and moves on. */
  subscribe: (socket: PubSubSocket) => Promise<void>;
  /** The subscriptions are in place on `url`; `reopened` after the first time. */
  onOpen?: (url: string, reopened: boolean) => void;
  /** An opened socket closed, or a dial failed; the next dial is planned. */
  onDrop?: (drop: DropInfo) => void;
  backoff?: BackoffPolicy;
  stableMs?: number;
  random?: () => number;
  clock?: Clock;
}

export interface Subscriptions {
  /** The endpoint whose socket is open now, if any. */
  readonly url: string | null;
  /** Drops the current socket (a silent stream, say): the next endpoint is dialled. */
  restart(): void;
  close(): Promise<void>;
}

export function subscribeAcross(opts: SubscriptionOptions): Subscriptions {
  if (opts.urls.length === 0) throw new RangeError('subscribeAcross needs at least one WebSocket endpoint');
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const stop = new AbortController();
  let socket: PubSubSocket | null = null;
  let openUrl: string | null = null;

  const loop = (async () => {
    let state = initialReconnect();
    let opened = false;
    while (!stop.signal.aborted) {
      const url = opts.urls[state.index]!;
      let upSince: number | null = null;
      let error: Error | undefined;
      try {
        socket = await connectPubSub(url, opts);
        if (stop.signal.aborted) break;
        await opts.subscribe(socket);
        upSince = clock.now();
        openUrl = url;
        opts.onOpen?.(url, opened);
        opened = true;
        error = await socket.closed;
      } catch (err) {
        error = err instanceof Error ? err : new Error(String(err));
        socket?.close();
      }
      socket = null;
      openUrl = null;
      if (stop.signal.aborted) break;
      const upForMs = upSince === null ? null : clock.now() - upSince;
      const next = nextReconnect(state, opts.urls.length, upForMs, random(), opts.backoff, opts.stableMs);
      opts.onDrop?.({ url, error, upForMs, next: opts.urls[next.state.index]!, delayMs: next.delayMs });
      state = next.state;
      await clock.sleep(next.delayMs, stop.signal).catch(() => undefined);
    }
    socket?.close();
  })();

  return {
    get url() {
      return openUrl;
    },
    restart() {
      socket?.close();
    },
    async close() {
      stop.abort();
      socket?.close();
      await loop;
    },
  };
}
