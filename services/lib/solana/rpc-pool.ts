// Several RPC endpoints behind one call(): failover in the configured order (a retry goes to the
// next endpoint), a circuit breaker per endpoint, HTTP 429's Retry-After honoured per endpoint,
// one rate limit across all of them, and transient failures retried with backoff and jitter
// (services/lib/retry.ts). Failures come out classified (classify.ts). Every service reaches
// the chain through one of these.
import { Connection, type Commitment } from '@solana/web3.js';
import { systemClock, type Clock } from '../clock.ts';
import { ChainsyncError } from '../errors.ts';
import { backoffPolicy, retry, type BackoffPolicy } from '../retry.ts';
import { breakerOnFailure, breakerOnStart, breakerOnSuccess, closedBreaker, type BreakerPolicy } from './circuit-breaker.ts';
import { classifyFailure, failureInfo, type Classification } from './classify.ts';
import { chooseEndpoint, type EndpointState } from './endpoint-choice.ts';
import { createHttpPost, type HttpPost, type PostInit } from './http-post.ts';
import { RateLimiter } from './rate-limit.ts';
import { retryAfterMs } from './retry-after.ts';
import { parseSignatureStatuses, type SignatureStatus } from './signature-statuses.ts';

/** A classified RPC failure; retryable only when the classification says so. */
export class RpcFailure extends ChainsyncError {
  constructor(
    readonly classification: Classification,
    readonly endpoint: string,
    method: string,
    cause: unknown,
  ) {
    super(`${method} on ${endpoint} failed (${classification.kind}): ${classification.reason}`, {
      retryable: classification.kind === 'retryable',
      context: { endpoint, method },
      cause,
    });
  }
}

/** A JSON-RPC error answer, with the structured fields web3.js would drop. */
export class RpcCallError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly txErr: unknown,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'RpcCallError';
  }
}

export interface RpcPoolOptions {
  urls: string[];
  commitment?: Commitment;
  timeoutMs?: number;
  ratePerSecond?: number;
  breaker?: BreakerPolicy;
  backoff?: BackoffPolicy;
  /**
   * The longest an attempt waits for a Retry-After when every endpoint asked for one; past it
   * the attempt fails (retryable) rather than hold its caller.
   */
  maxRetryAfterMs?: number;
  /** Called for every failed call, for metrics (RPC errors by endpoint). */
  onError?: (endpoint: string, method: string, c: Classification) => void;
  /** Called as each request leaves (after the rate limit), for metrics and tracing. */
  onAttempt?: (endpoint: string, method: string) => void;
  clock?: Clock;
}

interface Endpoint extends EndpointState {
  url: string;
  conn: Connection;
  /** POSTs to this endpoint, noting its Retry-After. */
  post: (url: string, init?: PostInit) => ReturnType<HttpPost>;
}

/** What an endpoint looks like to the pool now (tests, health detail). */
export type EndpointView = EndpointState & { url: string };

export class RpcPool {
  private readonly endpoints: Endpoint[];
  private readonly limiter: RateLimiter;
  private readonly breakerPolicy: BreakerPolicy;
  private readonly backoff: BackoffPolicy;
  private readonly clock: Clock;
  private readonly post: HttpPost;
  private rpcId = 0;

  constructor(private readonly opts: RpcPoolOptions) {
    if (opts.urls.length === 0) throw new RangeError('RpcPool needs at least one endpoint');
    this.clock = opts.clock ?? systemClock;
    // A hung endpoint must fail over, not hold a worker forever: every request has the timeout.
    this.post = createHttpPost(opts.timeoutMs ?? 10_000);
    this.endpoints = opts.urls.map((url) => {
      const ep = { url, breaker: closedBreaker(), notBefore: 0 } as Endpoint;
      ep.post = async (target, init) => {
        const res = await this.post(target, init);
        if (res.status === 429) this.noteRetryAfter(ep, res.headers.get('retry-after'));
        return res;
      };
      ep.conn = new Connection(url, { commitment: opts.commitment ?? 'confirmed', disableRetryOnRateLimit: true, fetch: ep.post as unknown as typeof fetch });
      return ep;
    });
    this.limiter = new RateLimiter(opts.ratePerSecond ?? 1000, undefined, this.clock);
    this.breakerPolicy = opts.breaker ?? { threshold: 5, openMs: 5_000 };
    this.backoff = opts.backoff ?? backoffPolicy({ initialMs: 100, maxMs: 2_000, maxAttempts: 5 });
  }

  get urls(): string[] {
    return this.endpoints.map((e) => e.url);
  }

  /** Each endpoint's circuit and Retry-After, in failover order. */
  state(): EndpointView[] {
    return this.endpoints.map(({ url, breaker, notBefore }) => ({ url, breaker, notBefore }));
  }

  /** Closes the kept-alive sockets; calls after this open new ones. */
  close(): void {
    this.post.close();
  }

  private noteRetryAfter(ep: Endpoint, header: string | null): void {
    const now = this.clock.now();
    const ms = retryAfterMs(header, now);
    if (ms !== null) ep.notBefore = Math.max(ep.notBefore, now + ms);
  }

  /** Runs `fn` against an endpoint, failing over and retrying transient failures. */
  call<T>(method: string, fn: (conn: Connection, url: string) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.attempts(method, (ep) => fn(ep.conn, ep.url), signal);
  }

  /**
   * One JSON-RPC method by plain POST (no web3.js parsing of the answer): its `result`. For large
   * answers read by a checked parser of their own, with their own timeout if they need one.
   */
  request(method: string, params: unknown[], opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<unknown> {
    return this.attempts(method, (ep) => this.jsonRpc(ep, method, params, opts.timeoutMs), opts.signal);
  }

  private attempts<T>(method: string, fn: (ep: Endpoint) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const tried = new Set<number>();
    return retry(
      async () => {
        const { index, waitMs } = chooseEndpoint(this.endpoints, tried, this.clock.now());
        const ep = this.endpoints[index]!;
        const maxWait = this.opts.maxRetryAfterMs ?? 30_000;
        if (waitMs > maxWait) {
          throw new RpcFailure(
            { kind: 'retryable', reason: `every endpoint asked to wait (Retry-After); ${ep.url} is free in ${waitMs} ms, more than ${maxWait}` },
            ep.url,
            method,
            undefined,
          );
        }
        if (waitMs > 0) await this.clock.sleep(waitMs, signal);
        await this.limiter.take(signal);
        tried.add(index);
        ep.breaker = breakerOnStart(ep.breaker, this.clock.now());
        this.opts.onAttempt?.(ep.url, method);
        try {
          const result = await fn(ep);
          ep.breaker = breakerOnSuccess();
          return result;
        } catch (err) {
          const info = failureInfo(err);
          const c = classifyFailure(info);
          // Only the endpoint's own trouble counts against it: not a refused transaction, and not
          // a 429 that said when to come back (the wait is kept above).
          const throttled = info.httpStatus === 429 && ep.notBefore > this.clock.now();
          if (c.kind === 'retryable' && info.txErr === undefined && !throttled) ep.breaker = breakerOnFailure(ep.breaker, this.clock.now(), this.breakerPolicy);
          this.opts.onError?.(ep.url, method, c);
          throw new RpcFailure(c, ep.url, method, err);
        }
      },
      {
        policy: this.backoff,
        retryable: (err) => err instanceof RpcFailure && err.retryable && !err.classification.blockhashNotFound && !err.classification.alreadyProcessed,
        ...(signal ? { signal } : {}),
      },
    );
  }

  /**
   * sendTransaction with the raw JSON-RPC answer, so a preflight failure keeps its structured
   * transaction error (web3.js folds it into a message). Returns the signature.
   */
  sendRaw(bytes: Uint8Array, opts: { skipPreflight?: boolean } = {}, signal?: AbortSignal): Promise<string> {
    const params = [
      Buffer.from(bytes).toString('base64'),
      { encoding: 'base64', skipPreflight: opts.skipPreflight ?? false, preflightCommitment: 'confirmed', maxRetries: 0 },
    ];
    return this.attempts(
      'sendTransaction',
      async (ep) => {
        const result = await this.jsonRpc(ep, 'sendTransaction', params);
        if (typeof result !== 'string') throw new RpcCallError(0, 'sendTransaction returned no signature', undefined);
        return result;
      },
      signal,
    );
  }

  /**
   * getSignatureStatuses (searching the transaction history), one entry per signature in order,
   * read without web3.js's superstruct checks (signature-statuses.ts says why).
   */
  signatureStatuses(signatures: string[], signal?: AbortSignal): Promise<Array<SignatureStatus | null>> {
    return this.attempts(
      'getSignatureStatuses',
      async (ep) => parseSignatureStatuses(await this.jsonRpc(ep, 'getSignatureStatuses', [signatures, { searchTransactionHistory: true }]), signatures.length),
      signal,
    );
  }

  /** One JSON-RPC call over the pool's kept-alive sockets: its `result`, or an RpcCallError with the error's structured fields. */
  private async jsonRpc(ep: Endpoint, method: string, params: unknown[], timeoutMs?: number): Promise<unknown> {
    const res = await ep.post(ep.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++this.rpcId, method, params }),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
    if (!res.ok) throw new RpcCallError(0, `${res.status} ${res.statusText}`, undefined, res.status);
    const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string; data?: { err?: unknown } } };
    if (body.error) throw new RpcCallError(body.error.code, body.error.message, body.error.data?.err);
    return body.result;
  }
}
