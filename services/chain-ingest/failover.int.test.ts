// Two main.ts processes on one leader lock: the leader is SIGKILLed during transfers; the standby
// takes over, rebuilds from the topic, backfills, and the topic ends equal to the chain.
import { randomInt } from 'node:crypto';
import { Connection, type PublicKey } from '@solana/web3.js';
import { afterAll, expect, it } from 'vitest';
import { stackEnv } from '../../test/support/stack-env.ts';
import { chainOwners, createNft, followOwnership, fundedKeypair, transferNft } from '../../test/support/chain.ts';
import { spawnService, type ServiceProcess } from '../../test/support/spawn-service.ts';
import { waitFor } from '../../test/support/wait.ts';

const env = stackEnv();
const conn = new Connection(env.SOLANA_RPC_URL, { commitment: 'confirmed' });
const procs: ServiceProcess[] = [];
let topic: Awaited<ReturnType<typeof followOwnership>> | undefined;

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  await topic?.stop();
});

const role = async (p: ServiceProcess) => (await p.ready()).body.checks?.ingest?.detail?.role;

it('a standby takes over from a SIGKILLed leader during transfers and nothing is missed', async () => {
  const payer = await fundedKeypair(conn, 20);
  const holders = await Promise.all(Array.from({ length: 4 }, () => fundedKeypair(conn, 1)));
  const mints: PublicKey[] = await Promise.all(holders.map((h) => createNft(conn, payer, h.publicKey)));
  const keys = mints.map((m) => m.toBase58());
  topic = await followOwnership(env.KAFKA_BROKERS, env.SCHEMA_REGISTRY_URL, keys);

  const lock = String(randomInt(1_000_000, 2 ** 40));
  const ingestEnv = {
    ...env,
    INGEST_LEADER_LOCK: lock,
    INGEST_STATUS_GROUP: `ingest-test-${lock}`,
    INGEST_TRACK_FROM_TOPIC: 'false',
    INGEST_FOLLOW_STATUS: 'false',
    INGEST_FOLLOW_REQUESTS: 'false',
    INGEST_STANDBY_RETRY_MS: '1000',
    TRACKED_MINTS: keys.join(','),
  };
  procs.push(await spawnService('chain-ingest', ingestEnv, { until: 'live' }), await spawnService('chain-ingest', ingestEnv, { until: 'live' }));
  await waitFor('a leader ready', async () => (await Promise.all(procs.map((p) => p.ready()))).some((r) => r.ok), { timeoutMs: 120_000 });
  const leader = (await role(procs[0]!)) === 'leader' ? procs[0]! : procs[1]!;
  const standby = leader === procs[0] ? procs[1]! : procs[0]!;
  expect(await role(standby)).toBe('standby');
  await waitFor('every mint published', () => keys.every((k) => topic!.latest(k)?.owner), { timeoutMs: 60_000 });

  // Transfers by the holders (wallets the platform does not control), the leader killed midway.
  const next = await Promise.all(holders.map(() => fundedKeypair(conn, 1)));
  await transferNft(conn, payer, mints[0]!, holders[0]!, next[0]!.publicKey);
  leader.proc.kill('SIGKILL');
  const killedAt = Date.now();
  await Promise.all([1, 2, 3].map((i) => transferNft(conn, payer, mints[i]!, holders[i]!, next[i]!.publicKey)));
  await waitFor('the standby to lead and be caught up', async () => (await standby.ready()).ok, { timeoutMs: 60_000 });
  console.log(`standby caught up ${Date.now() - killedAt} ms after the leader was killed`);

  await waitFor(
    'topic equals chain',
    async () => {
      const truth = await chainOwners(conn, keys);
      return keys.every((k) => topic!.latest(k)?.owner === truth.get(k));
    },
    { timeoutMs: 60_000 },
  );
  for (const [i, k] of keys.entries()) {
    expect(topic.latest(k)?.owner).toBe(next[i]!.publicKey.toBase58());
    const slots = topic.records.get(k)!.map((r) => r.slot);
    expect(slots).toEqual([...slots].sort((a, b) => a - b));
  }
}, 400_000);
