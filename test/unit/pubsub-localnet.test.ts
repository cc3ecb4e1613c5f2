// The PubSub socket on a real local chain: subscribe answers, notifications routed by
// subscription, a refused subscription, and `closed` when the server drops the socket.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectPubSub } from '../../services/lib/solana/pubsub.ts';
import { RpcCallError } from '../../services/lib/solana/rpc-pool.ts';
import type { Localnet } from '../../services/localnet/server.ts';
import { startTestLocalnet } from '../support/test-localnet.ts';
import { waitFor } from '../support/wait.ts';

let net: Localnet;
beforeAll(async () => {
  net = (await startTestLocalnet()).net;
});
afterAll(() => net?.stop());

it('routes each notification to its subscription, refuses an unknown method, and resolves closed when the server drops the socket', async () => {
  const socket = await connectPubSub(net.wsUrl, { timeoutMs: 5_000 });
  const slots: number[] = [];
  const roots: number[] = [];
  const [slotSub, rootSub] = await Promise.all([
    socket.subscribe('slotSubscribe', [], (r) => slots.push((r as { slot: number }).slot)),
    socket.subscribe('rootSubscribe', [], (r) => roots.push(r as number)),
  ]);
  expect(slotSub).not.toBe(rootSub);
  // Enough slots for the root (finality lags the tip) to move too.
  net.advanceSlots(40);
  const tip = net.chain.tip().slot;
  const root = net.chain.blockAt('finalized').slot;
  await waitFor('the slots and roots', () => slots.at(-1) === tip && roots.at(-1) === root, { timeoutMs: 10_000, everyMs: 20 });
  expect(slots).toHaveLength(40);

  const refused = await socket.subscribe('nonsenseSubscribe', [], () => undefined).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(RpcCallError);
  expect(refused).toMatchObject({ code: -32601 });

  net.closeWebSockets();
  await socket.closed;
  await expect(socket.subscribe('slotSubscribe', [], () => undefined)).rejects.toThrow();
});

it('a refused upgrade rejects the connect', async () => {
  net.closeWebSockets({ refuseMs: 60_000 });
  await expect(connectPubSub(net.wsUrl, { timeoutMs: 5_000 })).rejects.toThrow(/503/);
  net.clearFaults();
  const socket = await connectPubSub(net.wsUrl, { timeoutMs: 5_000 });
  socket.close();
  await socket.closed;
});
