// chain-ingest against the real stack and the stack's local chain: NFTs made directly on chain by
// wallets generated here, followed through main.ts, checked against getProgramAccounts.
import { randomInt } from 'node:crypto';
import { Connection, Keypair, type PublicKey } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv } from '../../test/support/stack-env.ts';
import { admin, burnNft, chainOwners, createNft, followOwnership, fundedKeypair, transferNft, transferTx } from '../../test/support/chain.ts';
import { spawnService, type ServiceProcess } from '../../test/support/spawn-service.ts';
import { waitFor } from '../../test/support/wait.ts';

const env = stackEnv();
const conn = new Connection(env.SOLANA_RPC_URL, { commitment: 'confirmed' });

interface Nft {
  mint: PublicKey;
  holder: Keypair | null;
}

let payer: Keypair;
const nfts: Nft[] = [];
let ingest: ServiceProcess;
let topic: Awaited<ReturnType<typeof followOwnership>>;
const lock = String(randomInt(1_000_000, 2 ** 40));
const ingestEnv = () => ({
  ...env,
  INGEST_LEADER_LOCK: lock,
  INGEST_STATUS_GROUP: `ingest-test-${lock}`,
  INGEST_SWEEP_MS: '10000',
  INGEST_STALL_MS: '3000',
  INGEST_TRACK_FROM_TOPIC: 'false',
  INGEST_FOLLOW_STATUS: 'false',
  INGEST_FOLLOW_REQUESTS: 'false',
  TRACKED_MINTS: nfts.map((n) => n.mint.toBase58()).join(','),
});
const mints = () => nfts.map((n) => n.mint.toBase58());

/** The topic's latest record per mint equals the chain, and per mint the published slots never decrease. */
async function expectTopicEqualsChain(timeoutMs = 60_000) {
  let diff: unknown;
  await waitFor(
    'chain.ownership to equal the chain',
    async () => {
      const truth = await chainOwners(conn, mints());
      diff = mints()
        .filter((m) => topic.latest(m) === undefined || topic.latest(m)!.owner !== truth.get(m))
        .map((m) => ({ m, topic: topic.latest(m)?.owner, chain: truth.get(m) }));
      return (diff as unknown[]).length === 0;
    },
    { timeoutMs },
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify(diff)}\n${ingest.logs().split('\n').slice(-20).join('\n')}`);
  });
  for (const m of mints()) {
    const slots = topic.records.get(m)!.map((r) => r.slot);
    expect(slots).toEqual([...slots].sort((a, b) => a - b));
  }
}

async function move(n: Nft, to: Keypair | null) {
  if (!n.holder) return;
  if (to) await transferNft(conn, payer, n.mint, n.holder, to.publicKey);
  else await burnNft(conn, payer, n.mint, n.holder);
  n.holder = to;
}

beforeAll(async () => {
  payer = await fundedKeypair(conn, 50);
  const holders = await Promise.all(Array.from({ length: 8 }, () => fundedKeypair(conn, 1)));
  const made = await Promise.all(holders.map((h) => createNft(conn, payer, h.publicKey)));
  made.forEach((mint, i) => nfts.push({ mint, holder: holders[i]! }));
  topic = await followOwnership(env.KAFKA_BROKERS, env.SCHEMA_REGISTRY_URL, mints());
  ingest = await spawnService('chain-ingest', ingestEnv());
}, 300_000);

afterAll(async () => {
  await admin(env.SOLANA_RPC_URL, '/admin/faults', { clear: true }).catch(() => undefined);
  if (ingest) await ingest.stop();
  await topic?.stop();
});

describe('chain-ingest on the local chain', () => {
  it('publishes every tracked NFT, then follows transfers by outside wallets and burns; another group decodes it with only the registry URL', async () => {
    await expectTopicEqualsChain();
    for (const m of mints()) expect(topic.records.get(m)![0]).toMatchObject({ mint: m, amount: 1, commitment: 'confirmed', source: 'backfill' });

    const outsiders = await Promise.all([0, 1, 2].map(() => fundedKeypair(conn, 1)));
    await Promise.all([move(nfts[0]!, outsiders[0]!), move(nfts[1]!, outsiders[1]!), move(nfts[2]!, outsiders[2]!)]);
    await move(nfts[0]!, outsiders[2]!);
    await Promise.all([move(nfts[6]!, null), move(nfts[7]!, null)]);
    await expectTopicEqualsChain();
    expect(topic.latest(mints()[7]!)).toMatchObject({ owner: null, tokenAccount: null, amount: 0 });
    expect(topic.latest(mints()[0]!)).toMatchObject({ owner: outsiders[2]!.publicKey.toBase58(), source: 'stream' });
  });

  it('detects the gap when the chain closes every WebSocket for 10 s, is not ready meanwhile, and backfills what it missed', async () => {
    const gapsBefore = await ingest.metric('chainsync_ingest_gaps_detected_total');
    const targets = await Promise.all([0, 1].map(() => fundedKeypair(conn, 1)));
    await admin(env.SOLANA_RPC_URL, '/admin/faults', { closeWebSockets: { refuseMs: 10_000 } });
    await waitFor('readiness to drop', async () => !(await ingest.ready()).ok, { timeoutMs: 5_000 });
    await move(nfts[3]!, targets[0]!);
    await move(nfts[4]!, targets[1]!);
    expect((await ingest.ready()).ok).toBe(false);
    await waitFor('ingest ready again', async () => (await ingest.ready()).ok, { timeoutMs: 90_000 });
    await expectTopicEqualsChain(20_000);
    expect(await ingest.metric('chainsync_ingest_gaps_detected_total')).toBeGreaterThan(gapsBefore);
    expect(topic.latest(mints()[3]!)).toMatchObject({ owner: targets[0]!.publicKey.toBase58() });
  });

  it('never lets a change from a slot that was forked away stand in the topic', async () => {
    const n = nfts[5]!;
    const before = n.holder!.publicKey.toBase58();
    const thief = Keypair.generate().publicKey;
    await admin(env.SOLANA_RPC_URL, '/admin/faults', { stallSlots: true });
    try {
      const tx = transferTx(payer.publicKey, n.mint, n.holder!.publicKey, thief);
      const { blockhash } = await conn.getLatestBlockhash('processed');
      tx.recentBlockhash = blockhash;
      tx.feePayer = payer.publicKey;
      tx.sign(payer, n.holder!);
      await conn.sendRawTransaction(tx.serialize(), { skipPreflight: true });
      await admin(env.SOLANA_RPC_URL, '/admin/advance', { slots: 1 });
      const processed = await chainOwnerAt(n.mint, 'processed');
      expect(processed).toBe(thief.toBase58());
      const fork = (await admin(env.SOLANA_RPC_URL, '/admin/faults', { fork: true })) as { abandonedSlots: number[] };
      expect(fork.abandonedSlots.length).toBeGreaterThan(0);
    } finally {
      await admin(env.SOLANA_RPC_URL, '/admin/faults', { stallSlots: false });
    }
    expect(await chainOwnerAt(n.mint, 'processed')).toBe(before);
    // The next real move is followed, and the forked owner never appears.
    const next = await fundedKeypair(conn, 1);
    await move(n, next);
    await expectTopicEqualsChain();
    expect(topic.records.get(n.mint.toBase58())!.some((r) => r.owner === thief.toBase58())).toBe(false);
  });

  it('after a restart rebuilds its state from the topic: nothing unchanged is published again, and records become finalized', async () => {
    expect(await ingest.stop()).toBe(0);
    const seen = new Map(mints().map((m) => [m, topic.records.get(m)!.length]));
    ingest = await spawnService('chain-ingest', ingestEnv(), { timeoutMs: 90_000 });
    await waitFor('every record finalized', () => mints().every((m) => topic.latest(m)?.commitment === 'finalized'), { timeoutMs: 60_000 });
    for (const m of mints()) {
      const all = topic.records.get(m)!;
      const fresh = all.slice(seen.get(m));
      // Only finality marks may follow the restart, each for a record confirmed before it.
      for (const r of fresh) {
        expect(r.commitment).toBe('finalized');
        expect(all.filter((x) => x.slot === r.slot && x.commitment === 'finalized')).toHaveLength(1);
      }
    }
    await expectTopicEqualsChain();
  });
});

async function chainOwnerAt(mint: PublicKey, commitment: 'processed' | 'confirmed'): Promise<string | null> {
  return (await chainOwners(conn, [mint.toBase58()], commitment)).get(mint.toBase58()) ?? null;
}
