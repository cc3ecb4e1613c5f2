// Failure paths: expired blockhashes, dropped transactions, forks, failing/slow methods,
// closed WebSockets, stalled slots, the admin endpoint, and restart from a snapshot.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { Connection, Keypair, LAMPORTS_PER_SOL, SendTransactionError, SystemProgram, Transaction } from '@solana/web3.js';
import { fundedKeypair, land, startTestLocalnet, soon } from '../../test/support/test-localnet.ts';
import { waitFor } from '../../test/support/wait.ts';

const { net, conn } = await startTestLocalnet({ confirmationSlots: 2 });
afterAll(() => net.stop());

const transfer = (from: Keypair, to: Keypair, lamports = LAMPORTS_PER_SOL) =>
  new Transaction().add(SystemProgram.transfer({ fromPubkey: from.publicKey, toPubkey: to.publicKey, lamports }));

async function admin(path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${net.rpcUrl}/admin/${path}`, { method: body === undefined ? 'GET' : 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

test('a blockhash older than 150 blocks is rejected by preflight and never lands without it', async () => {
  const a = await fundedKeypair(net, conn);
  const b = Keypair.generate();
  const { blockhash } = await conn.getLatestBlockhash('processed');
  net.advanceSlots(151);
  const tx = transfer(a, b);
  tx.recentBlockhash = blockhash;
  tx.sign(a);
  const err = await conn.sendRawTransaction(tx.serialize(), { preflightCommitment: 'processed' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SendTransactionError);
  expect(String((err as Error).message)).toContain('Blockhash not found');
  const sig = await conn.sendRawTransaction(tx.serialize(), { skipPreflight: true });
  net.advanceSlots(3);
  expect((await conn.getSignatureStatus(sig, { searchTransactionHistory: true })).value).toBeNull();
  expect(await conn.getBalance(b.publicKey, 'processed')).toBe(0);
});

test('a dropped transaction never appears and its blockhash expires', async () => {
  const a = await fundedKeypair(net, conn);
  const b = Keypair.generate();
  net.dropNextTransactions(1);
  const { blockhash } = await conn.getLatestBlockhash('processed');
  const sig = await land(net, conn, transfer(a, b), [a]);
  expect(typeof sig).toBe('string');
  net.advanceSlots(150);
  expect((await conn.getSignatureStatus(sig, { searchTransactionHistory: true })).value).toBeNull();
  expect(await conn.getBalance(b.publicKey, 'processed')).toBe(0);
  expect((await conn.isBlockhashValid(blockhash, { commitment: 'processed' })).value).toBe(false);
  // Only the next one was dropped.
  await land(net, conn, transfer(a, b), [a]);
  expect(await conn.getBalance(b.publicKey, 'processed')).toBe(LAMPORTS_PER_SOL);
});

test('a scoped drop loses only the transactions that name its account, until cleared or counted out', async () => {
  const [a, c] = [await fundedKeypair(net, conn), await fundedKeypair(net, conn)];
  const [b, d] = [Keypair.generate(), Keypair.generate()];
  const landed = async (sig: string) => (await conn.getSignatureStatus(sig, { searchTransactionHistory: true })).value !== null;
  expect((await admin('faults', { dropTransactions: { account: b.publicKey.toBase58() } })).body.ok).toBe(true);
  expect((await admin('state')).body.faults.dropTouching).toEqual({ [b.publicKey.toBase58()]: null });

  // Accepted (a signature comes back) and never landed, however often it is sent; others land.
  const lost = await land(net, conn, transfer(a, b), [a]);
  const lostAgain = await land(net, conn, transfer(a, b, LAMPORTS_PER_SOL / 2), [a]);
  const other = await land(net, conn, transfer(c, d), [c]);
  net.advanceSlots(3);
  expect(await landed(lost)).toBe(false);
  expect(await landed(lostAgain)).toBe(false);
  expect(await landed(other)).toBe(true);
  expect(await conn.getBalance(b.publicKey, 'processed')).toBe(0);
  // A scoped drop leaves the global counter alone.
  expect((await admin('state')).body.faults.dropNextTransactions).toBe(0);

  // A count drops that many more, then the account's transactions land again.
  expect((await admin('faults', { dropTransactions: { account: b.publicKey.toBase58(), count: 1 } })).status).toBe(200);
  const counted = await land(net, conn, transfer(a, b), [a]);
  const through = await land(net, conn, transfer(a, b, LAMPORTS_PER_SOL / 4), [a]);
  net.advanceSlots(2);
  expect([await landed(counted), await landed(through)]).toEqual([false, true]);
  expect((await admin('state')).body.faults.dropTouching).toEqual({});

  // count 0 clears an unbounded drop.
  await admin('faults', { dropTransactions: { account: d.publicKey.toBase58() } });
  await admin('faults', { dropTransactions: { account: d.publicKey.toBase58(), count: 0 } });
  const cleared = await land(net, conn, transfer(c, d), [c]);
  net.advanceSlots(2);
  expect(await landed(cleared)).toBe(true);

  for (const bad of [{ account: 'not-an-address' }, { account: b.publicKey.toBase58(), count: -1 }, { account: b.publicKey.toBase58(), every: 2 }, 'all']) {
    expect((await admin('faults', { dropTransactions: bad })).status).toBe(400);
  }
});

test('a fork rolls back a processed transfer; processed reads and notifications follow; confirmed never saw it', async () => {
  const a = await fundedKeypair(net, conn);
  const b = Keypair.generate();
  net.advanceSlots(2); // the airdrop is confirmed
  const notes: { level: string; lamports: number }[] = [];
  const subs = (['processed', 'confirmed'] as const).map((level) =>
    conn.onAccountChange(b.publicKey, (info) => notes.push({ level, lamports: info.lamports }), { commitment: level }),
  );
  const sigNotes: unknown[] = [];
  await waitFor(
    '(net.describe() as { subscriptions: number }).subscriptions === 2',
    () => (net.describe() as { subscriptions: number }).subscriptions === 2,
    soon,
  );
  const sig = await land(net, conn, transfer(a, b), [a]);
  conn.onSignature(sig, (r) => sigNotes.push(r), 'confirmed');
  expect(await conn.getBalance(b.publicKey, 'processed')).toBe(LAMPORTS_PER_SOL);
  await waitFor(
    "notes.some((n) => n.level === 'processed' && n.lamports === LAMPORT...",
    () => notes.some((n) => n.level === 'processed' && n.lamports === LAMPORTS_PER_SOL),
    soon,
  );

  const confirmedBefore = await conn.getSlot('confirmed');
  const abandoned = net.fork();
  expect(abandoned.length).toBeGreaterThan(0);
  expect(await conn.getBalance(b.publicKey, 'processed')).toBe(0);
  expect(await conn.getBalance(a.publicKey, 'processed')).toBe(10 * LAMPORTS_PER_SOL);
  expect((await conn.getSignatureStatus(sig, { searchTransactionHistory: true })).value).toBeNull();
  await waitFor("notes.some((n) => n.level === 'processed' && n.lamports === 0)", () => notes.some((n) => n.level === 'processed' && n.lamports === 0), soon);
  expect(await conn.getSlot('confirmed')).toBe(confirmedBefore);
  expect(await conn.getSlot('processed')).toBeGreaterThan(Math.max(...abandoned));

  net.advanceSlots(40);
  expect(await conn.getBalance(b.publicKey, 'finalized')).toBe(0);
  expect(notes.filter((n) => n.level === 'confirmed')).toEqual([]);
  expect(sigNotes).toEqual([]);
  for (const id of subs) await conn.removeAccountChangeListener(id);
});

test('failing and slow methods, via the API and the admin endpoint', async () => {
  net.failMethod('getSlot', { count: 2, code: -32005, message: 'Node is behind' });
  await expect(conn.getSlot()).rejects.toThrow(/Node is behind/);
  await expect(conn.getSlot()).rejects.toThrow(/Node is behind/);
  await expect(conn.getSlot()).resolves.toBeTypeOf('number');

  expect((await admin('faults', { delayMethods: { getBlockHeight: 150 } })).body.ok).toBe(true);
  const t0 = Date.now();
  await conn.getBlockHeight();
  expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  expect((await admin('faults', { failMethods: { getBalance: {} } })).status).toBe(200);
  await expect(conn.getBalance(Keypair.generate().publicKey)).rejects.toThrow(/injected/);
  expect((await admin('faults', { clear: true })).body.ok).toBe(true);
  await expect(conn.getBalance(Keypair.generate().publicKey)).resolves.toBe(0);
  expect((await admin('faults', { bogus: 1 })).status).toBe(400);

  const before = net.chain.tip().slot;
  expect((await admin('advance', { slots: 3 })).body.slot).toBe(before + 3);
  const state = (await admin('state')).body;
  expect(state.slots.processed).toBe(before + 3);
  expect(state.faults.failMethods).toEqual({});
});

test('a rate-limited method is answered HTTP 429 with Retry-After, in seconds or as a date, then served again', async () => {
  const rpc = (method: string) =>
    fetch(net.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method }) });
  expect(
    (await admin('faults', { rateLimitMethods: { getSlot: { count: 1, retryAfterSeconds: 7 }, getBlockHeight: { httpDate: true, retryAfterSeconds: 30 } } }))
      .status,
  ).toBe(200);
  expect((await admin('state')).body.faults.rateLimitMethods.getSlot).toEqual({ remaining: 1, retryAfterSeconds: 7, httpDate: false });
  const limited = await rpc('getSlot');
  expect(limited.status).toBe(429);
  expect(limited.headers.get('retry-after')).toBe('7');
  expect((await rpc('getSlot')).status).toBe(200);
  const dated = await rpc('getBlockHeight');
  expect(dated.status).toBe(429);
  const until = Date.parse(dated.headers.get('retry-after')!);
  expect(until).toBeGreaterThan(Date.now() + 20_000);
  await expect(conn.getBalance(Keypair.generate().publicKey)).resolves.toBe(0);
  expect((await admin('faults', { rateLimitMethods: { getBlockHeight: null } })).status).toBe(200);
  expect((await rpc('getBlockHeight')).status).toBe(200);
  expect((await admin('faults', { rateLimitMethods: { getSlot: { count: 0 } } })).status).toBe(400);
  expect((await admin('faults', { rateLimitMethods: { getSlot: { retryAfter: 1 } } })).status).toBe(400);
});

test('closing WebSockets drops subscriptions and refuses reconnects for a while', async () => {
  const subscriptions = () => (net.describe() as { subscriptions: number }).subscriptions;
  const base = subscriptions();
  const ws = new Connection(net.rpcUrl, { wsEndpoint: net.wsUrl });
  const slots: number[] = [];
  ws.onSlotChange((s) => slots.push(s.slot));
  const roots: number[] = [];
  ws.onRootChange((r) => roots.push(r));
  await waitFor('subscriptions() === base + 2', () => subscriptions() === base + 2, soon);
  net.advanceSlots(1);
  await waitFor('slots.length === 1 && roots.length === 1', () => slots.length === 1 && roots.length === 1, soon);
  expect(slots[0]).toBe(net.chain.tip().slot);
  expect(roots[0]).toBe(net.chain.blockAt('finalized').slot);

  const closed = (await admin('faults', { closeWebSockets: { refuseMs: 300 } })).body.closedWebSockets;
  expect(closed).toBeGreaterThanOrEqual(1);
  expect(subscriptions()).toBe(0);
  // A fresh socket is refused during the window.
  const { WebSocket } = await import('ws');
  const refused = await new Promise<boolean>((resolve) => {
    const s = new WebSocket(net.wsUrl);
    s.on('open', () => {
      s.close();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
  expect(refused).toBe(true);
  // web3.js reconnects and resubscribes on its own once the window has passed.
  await waitFor('subscriptions() >= 2', () => subscriptions() >= 2, { ...soon, timeoutMs: 5000 });
  net.advanceSlots(1);
  await waitFor('slots.length >= 2', () => slots.length >= 2, soon);
});

test('logs and signature subscriptions', async () => {
  const a = await fundedKeypair(net, conn);
  const b = Keypair.generate();
  const logs: string[][] = [];
  const id = conn.onLogs(a.publicKey, (l) => logs.push(l.logs), 'processed');
  await waitFor(
    '(net.describe() as { subscriptions: number }).subscriptions >= 1',
    () => (net.describe() as { subscriptions: number }).subscriptions >= 1,
    soon,
  );
  const sig = await land(net, conn, transfer(a, b), [a]);
  const done = new Promise((resolve) => conn.onSignature(sig, (r, ctx) => resolve({ r, slot: ctx.slot }), 'confirmed'));
  await waitFor('logs.length === 1', () => logs.length === 1, soon);
  expect(logs[0]?.[0]).toContain('11111111111111111111111111111111 invoke');
  net.advanceSlots(2);
  expect(await done).toEqual({ r: { err: null }, slot: (await conn.getSignatureStatus(sig)).value?.slot });
  await conn.removeOnLogsListener(id);
});

test('stalled slots stop the clock; seeding writes holdings visible at every level', async () => {
  const { net: clocked, conn: c2 } = await startTestLocalnet({ slotMs: 20 });
  try {
    await waitFor('clocked.chain.tip().slot >= 2', () => clocked.chain.tip().slot >= 2, soon);
    clocked.stallSlots(true);
    const s = clocked.chain.tip().slot;
    await new Promise((r) => setTimeout(r, 100));
    expect(clocked.chain.tip().slot).toBe(s);
    clocked.stallSlots(false);
    await waitFor('clocked.chain.tip().slot > s', () => clocked.chain.tip().slot > s, soon);
    const owner = Keypair.generate().publicKey.toBase58();
    const mint = Keypair.generate().publicKey.toBase58();
    const [seeded] = clocked.seedNftHoldings([{ mint, owner }]);
    const res = await c2.getParsedTokenAccountsByOwner(
      Keypair.generate().publicKey,
      { mint: new (await import('@solana/web3.js')).PublicKey(mint) },
      'finalized',
    );
    expect(res.value).toEqual([]);
    const { PublicKey } = await import('@solana/web3.js');
    const mine = await c2.getParsedTokenAccountsByOwner(new PublicKey(owner), { mint: new PublicKey(mint) }, 'finalized');
    expect(mine.value[0]?.pubkey.toBase58()).toBe(seeded?.tokenAccount);
  } finally {
    await clocked.stop();
  }
});

test('restarting from the snapshot keeps accounts, balances, slots and history', async () => {
  const snapshotPath = join(mkdtempSync(join(tmpdir(), 'localnet-')), 'snap.json');
  const first = await startTestLocalnet({ snapshotPath });
  const a = await fundedKeypair(first.net, first.conn);
  const b = Keypair.generate();
  const sig = await land(first.net, first.conn, transfer(a, b), [a], { slots: 3 });
  const slot = first.net.chain.tip().slot;
  const genesis = first.net.chain.state.genesisHash;
  await first.net.stop();

  const second = await startTestLocalnet({ snapshotPath });
  try {
    expect(second.net.chain.tip().slot).toBe(slot);
    expect(second.net.chain.state.genesisHash).toBe(genesis);
    expect(await second.conn.getBalance(b.publicKey, 'finalized')).toBe(LAMPORTS_PER_SOL);
    expect(await second.conn.getBalance(a.publicKey, 'finalized')).toBe(9 * LAMPORTS_PER_SOL - 5000);
    expect((await second.conn.getSignatureStatus(sig, { searchTransactionHistory: true })).value?.err).toBeNull();
    // The restored chain still executes transactions (programs survived the snapshot).
    await land(second.net, second.conn, transfer(a, b), [a]);
    expect(await second.conn.getBalance(b.publicKey, 'processed')).toBe(2 * LAMPORTS_PER_SOL);
  } finally {
    await second.net.stop();
  }
});
