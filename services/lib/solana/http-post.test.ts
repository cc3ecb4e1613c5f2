import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyFailure, failureInfo } from './classify.ts';
import { createHttpPost } from './http-post.ts';

// A real HTTP server on a free port: answers JSON-RPC getSlot, echoes other bodies, fails on
// /teapot and never answers on /hang.
let server: http.Server;
let base = '';
const sockets = new Set<unknown>();
const seen: Array<{ method: string; contentType: string | undefined; body: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, contentType: req.headers['content-type'], body });
      if (req.url === '/hang') return;
      if (req.url === '/teapot') return void res.writeHead(418, "I'm a teapot").end('no');
      if (req.url === '/busy') return void res.writeHead(429, { 'retry-after': '3' }).end('slow down');
      const rpc = JSON.parse(body) as { id: unknown; method: string };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(rpc.method === 'getSlot' ? { jsonrpc: '2.0', id: rpc.id, result: 4242 } : { jsonrpc: '2.0', id: rpc.id, result: body }));
    });
  });
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('createHttpPost', () => {
  it('posts the body with its headers and reads status and body; requests reuse one kept-alive socket', async () => {
    const post = createHttpPost(5_000);
    const before = sockets.size;
    for (let i = 0; i < 3; i++) {
      const body = JSON.stringify({ jsonrpc: '2.0', id: i, method: 'echo', params: ['é'] });
      const res = await post(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res).toMatchObject({ ok: true, status: 200 });
      expect(await res.json()).toEqual({ jsonrpc: '2.0', id: i, result: body });
      expect(seen.at(-1)).toEqual({ method: 'POST', contentType: 'application/json', body });
    }
    expect(sockets.size - before).toBe(1);
  });

  it('reports an error status as not ok, with its text', async () => {
    const res = await createHttpPost(5_000)(`${base}/teapot`, { body: '{}' });
    expect(res).toMatchObject({ ok: false, status: 418, statusText: "I'm a teapot" });
    expect(await res.text()).toBe('no');
  });

  it('exposes the response headers (Retry-After of a 429)', async () => {
    const res = await createHttpPost(5_000)(`${base}/busy`, { body: '{}' });
    expect(res).toMatchObject({ ok: false, status: 429 });
    expect(res.headers.get('Retry-After')).toBe('3');
    expect(res.headers.get('x-absent')).toBeNull();
  });

  it("a request's own timeout overrides the default", async () => {
    const post = createHttpPost(60_000);
    const err = await post(`${base}/hang`, { body: '{}', timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TimeoutError', message: expect.stringContaining('100 ms') });
    post.close();
  });

  it('gives up on a server that does not answer, as a retryable timeout', async () => {
    const err = await createHttpPost(200)(`${base}/hang`, { body: '{}' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TimeoutError' });
    expect(classifyFailure(failureInfo(err)).kind).toBe('retryable');
  });

  it('fails a refused connection as retryable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await createHttpPost(2_000)(`http://127.0.0.1:${port}`, { body: '{}' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect(classifyFailure(failureInfo(err)).kind).toBe('retryable');
  });

  it("serves web3.js's Connection as its fetch", async () => {
    const conn = new Connection(base, { commitment: 'confirmed', fetch: createHttpPost(5_000) as unknown as typeof fetch });
    expect(await conn.getSlot()).toBe(4242);
  });
});
