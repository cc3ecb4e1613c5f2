// A JSON-RPC proxy in front of a chain that keeps every request it forwards, so a test can see
// what a service asked of the chain (a method and its parameters), not only what came of it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  params: unknown[];
}

export interface RpcRecorder {
  url: string;
  calls: RecordedCall[];
  close(): Promise<void>;
}

export async function startRpcRecorder(target: string): Promise<RpcRecorder> {
  const calls: RecordedCall[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const parsed = JSON.parse(body) as { method: string; params?: unknown[] } | Array<{ method: string; params?: unknown[] }>;
        for (const r of Array.isArray(parsed) ? parsed : [parsed]) calls.push({ method: r.method, params: r.params ?? [] });
      } catch {
        // Not JSON: forwarded as it is, for the chain to answer.
      }
      fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
        .then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(await answer.text());
        })
        .catch((err: unknown) => {
          res.writeHead(502);
          res.end(String(err));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
