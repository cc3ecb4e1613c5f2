// JSON-RPC 2.0 framing: single and batched requests, standard error codes, injected faults.
import { delayFor, takeFailure } from '../faults.ts';
import { accountMethods } from './accounts.ts';
import { blockMethods } from './blocks.ts';
import { clusterMethods } from './cluster.ts';
import type { Handler, RpcContext } from './context.ts';
import { INTERNAL_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, RpcError } from './errors.ts';
import { transactionMethods } from './transactions.ts';

export const methods: Record<string, Handler> = { ...clusterMethods, ...accountMethods, ...transactionMethods, ...blockMethods };

type Id = string | number | null;

export interface RpcResponse {
  jsonrpc: '2.0';
  id: Id;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

function errorResponse(id: Id, e: RpcError): RpcResponse {
  const error: RpcResponse['error'] = { code: e.code, message: e.message };
  if (e.data !== undefined) error.data = e.data;
  return { jsonrpc: '2.0', id, error };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Applies faults, then runs `run`; shared by HTTP methods and WebSocket subscriptions. */
export async function withFaults<T>(ctx: RpcContext, method: string, run: () => T): Promise<T> {
  const delay = delayFor(ctx.faults, method);
  if (delay > 0) await sleep(delay);
  const failure = takeFailure(ctx.faults, method);
  if (failure) throw new RpcError(failure.code, failure.message);
  return run();
}

export async function handleOne(request: unknown, ctx: RpcContext): Promise<RpcResponse> {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return errorResponse(null, new RpcError(INVALID_REQUEST, 'Invalid request'));
  }
  const r = request as Record<string, unknown>;
  const id = typeof r.id === 'string' || typeof r.id === 'number' ? r.id : null;
  if (r.jsonrpc !== '2.0' || typeof r.method !== 'string') {
    return errorResponse(id, new RpcError(INVALID_REQUEST, 'Invalid request'));
  }
  const handler = Object.hasOwn(methods, r.method) ? methods[r.method] : undefined;
  if (!handler) return errorResponse(id, new RpcError(METHOD_NOT_FOUND, 'Method not found'));
  const params = r.params === undefined ? [] : r.params;
  if (!Array.isArray(params)) return errorResponse(id, new RpcError(-32602, 'Invalid params: expected an array'));
  try {
    const result = await withFaults(ctx, r.method, () => handler(params, ctx));
    return { jsonrpc: '2.0', id, result };
  } catch (e) {
    if (e instanceof RpcError) return errorResponse(id, e);
    ctx.logger.error({ err: e, method: r.method }, 'rpc handler failed');
    return errorResponse(id, new RpcError(INTERNAL_ERROR, `Internal error: ${(e as Error).message}`));
  }
}

/** A batch answers with an array in request order; an empty batch is itself invalid. */
export async function handleBody(body: unknown, ctx: RpcContext): Promise<RpcResponse | RpcResponse[]> {
  if (Array.isArray(body)) {
    if (body.length === 0) return errorResponse(null, new RpcError(INVALID_REQUEST, 'Invalid request'));
    const out: RpcResponse[] = [];
    for (const r of body) out.push(await handleOne(r, ctx));
    return out;
  }
  return handleOne(body, ctx);
}
