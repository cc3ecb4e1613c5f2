// Each RPC endpoint asked for its block height on every tick: latency, errors and how far it is
// behind the highest one. The pipeline's own endpoints and reference ones (the cluster's public
// RPC) are compared together, so a provider that fell behind the cluster shows even when it is
// the only endpoint the pipeline uses.
import { endpointLabels } from '../lib/solana/endpoint-label.ts';

export type EndpointRole = 'pipeline' | 'reference';

export interface ProbeTarget {
  url: string;
  label: string;
  role: EndpointRole;
}

export interface ProbeResult {
  target: ProbeTarget;
  seconds: number;
  height: number | null;
  error?: string;
}

export function probeTargets(pipeline: readonly string[], reference: readonly string[]): ProbeTarget[] {
  const urls = [...pipeline, ...reference];
  const labels = endpointLabels(urls);
  return urls.map((url, i) => ({ url, label: labels[i]!, role: i < pipeline.length ? 'pipeline' : 'reference' }));
}

/** Blocks each answering endpoint is behind the highest answer; endpoints that failed have none. */
export function blocksBehind(heights: readonly (number | null)[]): (number | null)[] {
  const answered = heights.filter((h): h is number => h !== null);
  if (answered.length === 0) return heights.map(() => null);
  const top = Math.max(...answered);
  return heights.map((h) => (h === null ? null : top - h));
}

export type BlockHeightReader = (url: string, timeoutMs: number) => Promise<number>;

/** getBlockHeight by plain JSON-RPC POST: no failover, no retry, since the endpoint itself is what is measured. */
export const fetchBlockHeight: BlockHeightReader = async (url, timeoutMs) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getBlockHeight', params: [{ commitment: 'confirmed' }] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = (await res.json()) as { result?: unknown; error?: { message?: string } };
  if (typeof body.result !== 'number') throw new Error(body.error?.message ?? 'no block height in the answer');
  return body.result;
};

export async function probeAll(
  targets: readonly ProbeTarget[],
  read: BlockHeightReader,
  timeoutMs: number,
  now: () => number = performance.now.bind(performance),
): Promise<ProbeResult[]> {
  return Promise.all(
    targets.map(async (target) => {
      const start = now();
      try {
        const height = await read(target.url, timeoutMs);
        return { target, seconds: (now() - start) / 1000, height };
      } catch (err) {
        return { target, seconds: (now() - start) / 1000, height: null, error: (err as Error).message };
      }
    }),
  );
}
