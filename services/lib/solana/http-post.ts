// JSON-RPC POSTs over node:http(s) with kept-alive sockets, shaped as the part of fetch that
// web3.js's Connection (its `fetch` option) and RpcPool.sendRaw use. Node's fetch (undici: web
// streams, an AbortSignal timer and transferable wrappers per request) cost the submitter about
// 2 ms of CPU per request on a two-core machine: at 100 sends a second, a fifth of a core.
import http from 'node:http';
import https from 'node:https';

/** What callers read of a fetch Response. */
export interface PostResponse {
  ok: boolean;
  status: number;
  statusText: string;
  /** Read by the RPC pool for Retry-After. */
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface PostInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** This request's own timeout (a scan of the Token program answers far more than other calls). */
  timeoutMs?: number;
}

export interface HttpPost {
  (url: string, init?: PostInit): Promise<PostResponse>;
  /** Closes the kept-alive sockets. */
  close(): void;
}

/** A request that got no complete answer in time; classified like fetch's TimeoutError. */
export class HttpTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

export function createHttpPost(timeoutMs: number, maxSockets = 64): HttpPost {
  const agents = { http: new http.Agent({ keepAlive: true, maxSockets }), https: new https.Agent({ keepAlive: true, maxSockets }) };
  const urls = new Map<string, URL>();
  const post = (url: string, init: PostInit = {}) =>
    new Promise<PostResponse>((resolve, reject) => {
      const limitMs = init.timeoutMs ?? timeoutMs;
      let u = urls.get(url);
      if (!u) urls.set(url, (u = new URL(url)));
      const secure = u.protocol === 'https:';
      const body = Buffer.from(init.body ?? '', 'utf8');
      const req = (secure ? https : http).request(
        u,
        { method: init.method ?? 'POST', agent: secure ? agents.https : agents.http, headers: { ...init.headers, 'content-length': String(body.length) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', fail);
          res.on('end', () => {
            clearTimeout(timer);
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            const headers = { get: (name: string) => (res.headersDistinct[name.toLowerCase()] ?? []).join(', ') || null };
            resolve({
              ok: status >= 200 && status < 300,
              status,
              statusText: res.statusMessage ?? '',
              headers,
              text: async () => text,
              json: async () => JSON.parse(text) as unknown,
            });
          });
        },
      );
      function fail(err: Error): void {
        clearTimeout(timer);
        reject(err);
      }
      const timer = setTimeout(() => req.destroy(new HttpTimeoutError(`${init.method ?? 'POST'} ${u.origin} got no answer within ${limitMs} ms`)), limitMs);
      req.on('error', fail);
      req.end(body);
    });
  return Object.assign(post, {
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  });
}
