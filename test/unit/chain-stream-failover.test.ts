// chain-ingest's slot stream over two real local chains' PubSub endpoints: when the first
// closes every WebSocket (and refuses new ones), the stream reports the gap, dials the second
// after a backoff, subscribes again there, and carries on; when the second fails in turn and the
// first is back, it rotates back.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSlotStream, type Stream } from '../../services/chain-ingest/stream.ts';
import { WS_BACKOFF } from '../../services/lib/solana/reconnect.ts';
import type { DropInfo } from '../../services/lib/solana/subscriptions.ts';
import type { Localnet } from '../../services/localnet/server.ts';
import { startTestLocalnet } from '../support/test-localnet.ts';
import { waitFor } from '../support/wait.ts';

let a: Awaited<ReturnType<typeof startTestLocalnet>>;
let b: Awaited<ReturnType<typeof startTestLocalnet>>;
let stream: Stream | undefined;

beforeAll(async () => {
  [a, b] = await Promise.all([startTestLocalnet(), startTestLocalnet()]);
  // Far apart, so a slot number says which chain it came from.
  b.net.advanceSlots(5_000);
});
afterAll(async () => {
  await stream?.close();
  await Promise.all([a?.net.stop(), b?.net.stop()]);
});

const subscriptions = (net: Localnet) => (net.describe() as { subscriptions: number }).subscriptions;

it('reconnects to the second WebSocket endpoint after the first closes its sockets, resubscribes there, and rotates back when the second fails', async () => {
  const slots: number[] = [];
  const roots: number[] = [];
  const events: string[] = [];
  const drops: DropInfo[] = [];
  stream = openSlotStream(
    [a.net.wsUrl, b.net.wsUrl],
    {
      onSlot: (s) => slots.push(s),
      onRoot: (r) => roots.push(r),
      onDisconnect: () => events.push('disconnect'),
      onReconnect: (url) => events.push(`reconnect ${url}`),
    },
    { onDrop: (d) => drops.push(d) },
  );
  await waitFor('the stream on the first endpoint', () => stream!.url === a.net.wsUrl && subscriptions(a.net) === 2, { timeoutMs: 10_000, everyMs: 20 });
  a.net.advanceSlots(1);
  await waitFor("the first chain's slot", () => slots.includes(a.net.chain.tip().slot), { timeoutMs: 10_000, everyMs: 20 });

  a.net.closeWebSockets({ refuseMs: 600_000 });
  await waitFor('the stream on the second endpoint', () => stream!.url === b.net.wsUrl && subscriptions(b.net) === 2, { timeoutMs: 10_000, everyMs: 20 });
  expect(events).toEqual(['disconnect', `reconnect ${b.net.wsUrl}`]);
  expect(drops[0]).toMatchObject({ url: a.net.wsUrl, next: b.net.wsUrl });
  expect(drops[0]!.upForMs).not.toBeNull();

  // Every subscription is live again on the second chain: slots and roots.
  b.net.advanceSlots(40);
  await waitFor("the second chain's slot", () => slots.includes(b.net.chain.tip().slot), { timeoutMs: 10_000, everyMs: 20 });
  await waitFor("the second chain's root", () => roots.some((r) => r > 5_000), { timeoutMs: 10_000, everyMs: 20 });

  // The second fails too while the first is back: the stream rotates to the first again.
  a.net.clearFaults();
  b.net.closeWebSockets({ refuseMs: 600_000 });
  await waitFor('the stream back on the first endpoint', () => stream!.url === a.net.wsUrl && subscriptions(a.net) === 2, { timeoutMs: 10_000, everyMs: 20 });
  expect(events.slice(2)).toEqual(['disconnect', `reconnect ${a.net.wsUrl}`]);
  a.net.advanceSlots(1);
  await waitFor("the first chain's next slot", () => slots.includes(a.net.chain.tip().slot), { timeoutMs: 10_000, everyMs: 20 });
});

it('a refused dial is no gap: only a stream that was open reports a disconnect, and the dials back off', async () => {
  await stream?.close();
  const events: string[] = [];
  const drops: DropInfo[] = [];
  a.net.closeWebSockets({ refuseMs: 600_000 });
  b.net.closeWebSockets({ refuseMs: 600_000 });
  stream = openSlotStream(
    [a.net.wsUrl, b.net.wsUrl],
    {
      onSlot: () => undefined,
      onRoot: () => undefined,
      onDisconnect: () => events.push('disconnect'),
      onReconnect: (url) => events.push(`reconnect ${url}`),
    },
    { onDrop: (d) => drops.push(d) },
  );
  await waitFor('four refused dials', () => drops.length >= 4, { timeoutMs: 20_000, everyMs: 20 });
  expect(drops.slice(0, 4).map((d) => [d.url, d.upForMs])).toEqual([
    [a.net.wsUrl, null],
    [b.net.wsUrl, null],
    [a.net.wsUrl, null],
    [b.net.wsUrl, null],
  ]);
  // Each failed dial in a row doubles the planned wait (jitter takes up to half of it off).
  drops.slice(0, 4).forEach((d, i) => {
    const base = Math.min(WS_BACKOFF.maxMs, WS_BACKOFF.initialMs * WS_BACKOFF.multiplier ** i);
    expect(d.delayMs).toBeGreaterThanOrEqual(base * (1 - WS_BACKOFF.jitter));
    expect(d.delayMs).toBeLessThanOrEqual(base);
  });
  expect(events).toEqual([]);
  b.net.clearFaults();
  await waitFor('the stream on the endpoint that came back', () => stream!.url === b.net.wsUrl, { timeoutMs: 20_000, everyMs: 20 });
  expect(events).toEqual([]);
});
