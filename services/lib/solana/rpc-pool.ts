// Several RPC endpoints behind one call(): failover in the configured order, a circuit breaker
// per endpoint, one rate limit across all of them, and transient failures retried with backoff
// and jitter (services/lib/retry.ts). Failures come out classified (classify.ts).
import { Connection, type Commitment } from '@solana/web3.js';
import { ChainsyncError } from '../errors.ts';
import { backoffPolicy, retry, type BackoffPolicy } from '../retry.ts';
import { breakerAllows, breakerOnFailure, breakerOnStart, breakerOnSuccess, closedBreaker, type BreakerPolicy, type BreakerState } from './circuit-breaker.ts';
import { classifyFailure, failureInfo, type Classification } from './classify.ts';
import { createHttpPost, type HttpPost } from './http-post.ts';
import { RateLimiter } from './rate-limit.ts';
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
  /** Called for every failed call, for metrics (RPC errors by endpoint). */
  onError?: (endpoint: string, method: string, c: Classification) => void;
  now?: () => number;
}

interface Endpoint {
  url: string;
  conn: Connection;
  breaker: BreakerState;
}

export class RpcPool {
  private readonly endpoints: Endpoint[];
  private readonly limiter: RateLimiter;
  private readonly breakerPolicy: BreakerPolicy;
  private readonly backoff: BackoffPolicy;
  private readonly now: () => number;
  private readonly post: HttpPost;
  private rpcId = 0;

  constructor(private readonly opts: RpcPoolOptions) {
    if (opts.urls.length === 0) throw new RangeError('RpcPool needs at least one endpoint');
    // A hung endpoint must fail over, not hold a worker forever: every request has the timeout.
    this.post = createHttpPost(opts.timeoutMs ?? 10_000);
    this.endpoints = opts.urls.map((url) => ({
      url,
      conn: new Connection(url, { commitment: opts.commitment ?? 'confirmed', disableRetryOnRateLimit: true, fetch: this.post as unknown as typeof fetch }),
      breaker: closedBreaker(),
    }));
    this.limiter = new RateLimiter(opts.ratePerSecond ?? 1000);
    this.breakerPolicy = opts.breaker ?? { threshold: 5, openMs: 5_000 };
    this.backoff = opts.backoff ?? backoffPolicy({ initialMs: 100, maxMs: 2_000, maxAttempts: 5 });
    this.now = opts.now ?? Date.now;
  }

  get urls(): string[] {
    return this.endpoints.map((e) => e.url);
  }

  /** Failover order: the first endpoint whose breaker lets a call through, else the one that reopens first. */
  private pick(): Endpoint {
    const now = this.now();
    const open = this.endpoints.find((e) => breakerAllows(e.breaker, now));
    if (open) return open;
    return [...this.endpoints].sort((a, b) => until(a.breaker) - until(b.breaker))[0]!;
  }

  /** Runs `fn` against an endpoint, failing over and retrying transient failures. */
  call<T>(method: string, fn: (conn: Connection, url: string) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return retry(
      async () => {
        const ep = this.pick();
        await this.limiter.take(signal);
        ep.breaker = breakerOnStart(ep.breaker, this.now());
        try {
          const result = await fn(ep.conn, ep.url);
          ep.breaker = breakerOnSuccess();
          return result;
        } catch (err) {
          const info = failureInfo(err);
          const c = classifyFailure(info);
          // Only the endpoint's own trouble counts against it; a refused transaction does not.
          if (c.kind === 'retryable' && info.txErr === undefined) ep.breaker = breakerOnFailure(ep.breaker, this.now(), this.breakerPolicy);
          this.opts.onError?.(ep.url, method, c);
          throw new RpcFailure(c, ep.url, method, err);
        }
      },
      { policy: this.backoff, retryable: (err) => err instanceof RpcFailure && err.retryable && !err.classification.blockhashNotFound && !err.classification.alreadyProcessed, ...(signal ? { signal } : {}) },
    );
  }

  /**
   * sendTransaction with the raw JSON-RPC answer, so a preflight failure keeps its structured
   * transaction error (web3.js folds it into a message). Returns the signature.
   */
  sendRaw(bytes: Uint8Array, opts: { skipPreflight?: boolean } = {}, signal?: AbortSignal): Promise<string> {
    const params = [Buffer.from(bytes).toString('base64'), { encoding: 'base64', skipPreflight: opts.skipPreflight ?? false, preflightCommitment: 'confirmed', maxRetries: 0 }];
    return this.call(
      'sendTransaction',
      async (_conn, url) => {
        const result = await this.jsonRpc(url, 'sendTransaction', params);
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
    return this.call(
      'getSignatureStatuses',
      async (_conn, url) => parseSignatureStatuses(await this.jsonRpc(url, 'getSignatureStatuses', [signatures, { searchTransactionHistory: true }]), signatures.length),
      signal,
    );
  }

  /** One JSON-RPC call over the pool's kept-alive sockets: its `result`, or an RpcCallError with the error's structured fields. */
  private async jsonRpc(url: string, method: string, params: unknown[]): Promise<unknown> {
    const res = await this.post(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++this.rpcId, method, params }),
    });
    if (!res.ok) throw new RpcCallError(0, `${res.status} ${res.statusText}`, undefined, res.status);
    const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string; data?: { err?: unknown } } };
    if (body.error) throw new RpcCallError(body.error.code, body.error.message, body.error.data?.err);
    return body.result;
  }
}

const until = (s: BreakerState) => (s.kind === 'open' ? s.until : 0);
