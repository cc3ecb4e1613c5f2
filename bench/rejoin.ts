// `npm run bench -- rejoin [rounds] [--graceful]`: for every consumer group of every service, the
// time from a SIGKILL of the service to its restarted process consuming again (`--graceful`: from a
// SIGTERM, for reference). The restart follows the exit at once (a supervisor's backoff is not
// counted). Per group two instants, from the signal:
//   assigned: the group is stable again with only the new process's members in it (Kafka's view);
//   consumed: a record produced right after the kill has been processed (the group's committed
//     offset passed it; the reconciler, which never commits, says in /health/ready that it has
//     read every partition to its end again).
// Exits 1 if any group needs more than 10 s to consume again (issue 14).
//
// Every service runs on private consumer groups whose offsets start at the topics' ends, so
// nothing old is taken in again; the projector on private topics and tables; chain-ingest on a
// private leader lock, following no mint from the topic; the reconciler without full runs or
// healing. The records produced are copies of records already on the topics (an old request and
// a status that confirms nothing): each consumer has seen them before, so taking them in again
// changes nothing.
import { performance } from 'node:perf_hooks';
import type { IHeaders, Kafka, Producer } from 'kafkajs';
import { createRegistry } from '../services/lib/schemas.ts';
import { TOPICS } from '../services/lib/topics.ts';
import { createPool } from '../services/lib/db.ts';
import { silentLogger } from '../services/lib/logger.ts';
import { createTestTopic, testKafka } from '../test/support/kafka.ts';
import { createPrivateTarget, ownershipChange, produceOwnership, randomMint } from '../test/support/projector.ts';
import { randomHex } from '../test/support/random.ts';
import { spawnService, type ServiceName, type ServiceProcess } from '../test/support/spawn-service.ts';
import { stackEnv } from '../test/support/stack-env.ts';

const GOAL_MS = 10_000;
const args = process.argv.slice(2);
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 1);
const signal: NodeJS.Signals = args.includes('--graceful') ? 'SIGTERM' : 'SIGKILL';
const env = stackEnv();
const kafka = testKafka(env.KAFKA_BROKERS);
const registry = createRegistry(env.SCHEMA_REGISTRY_URL);
const pool = createPool(env.DATABASE_URL, silentLogger());
const admin = kafka.admin();
const producer = kafka.producer();
await admin.connect();
await producer.connect();

interface Copy {
  key: Buffer | null;
  value: Buffer;
  headers: IHeaders | undefined;
}

/** The first record on `topic` that `fits`, to be produced again. */
async function firstRecord(k: Kafka, topic: string, fits: (value: Buffer) => Promise<boolean>): Promise<Copy> {
  const groupId = `bench-rejoin-peek-${randomHex()}`;
  const consumer = k.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    return await new Promise<Copy>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no record on ${topic} to copy: run some operations first (npm run demo)`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (message.value && (await fits(message.value))) {
            clearTimeout(timer);
            resolve({ key: message.key, value: message.value, headers: message.headers });
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

const requestCopy = await firstRecord(kafka, TOPICS.opsRequested, async () => true);
const statusCopy = await firstRecord(kafka, TOPICS.opsStatus, async (v) => {
  const s = (await registry.decode(v)) as { type: string; state: string };
  return !['confirmed', 'finalized'].includes(s.state);
});

/** Where the produced copy landed, so its consumption can be recognised. */
async function produceCopy(p: Producer, topic: string, c: Copy): Promise<{ partition: number; offset: bigint }> {
  const [r] = await p.send({ topic, messages: [{ key: c.key, value: c.value, headers: c.headers }] });
  return { partition: r!.partition, offset: BigInt(r!.baseOffset!) };
}

interface Group {
  label: string;
  groupId: string;
  topic: string;
  /** Produces a record right after the kill; resolves with where it is. */
  probe: () => Promise<{ partition: number; offset: bigint }>;
  /** The reconciler's join never commits: its own readiness says it has read everything again. */
  consumedBy?: (s: ServiceProcess) => Promise<boolean>;
}

interface Case {
  service: ServiceName;
  env: Record<string, string>;
  groups: Group[];
  cleanup?: () => Promise<void>;
}

const stack = { DATABASE_URL: env.DATABASE_URL, KAFKA_BROKERS: env.KAFKA_BROKERS, SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL };
const rpc = { SOLANA_RPC_URL: env.SOLANA_RPC_URL };
const id = randomHex(4);
const group = (name: string) => `bench-rejoin-${name}-${id}`;
const copyOn = (topic: string, c: Copy) => () => produceCopy(producer, topic, c);

async function cases(): Promise<Case[]> {
  const ownershipTopic = await createTestTopic(kafka, 6);
  const statusTopic = await createTestTopic(kafka, 6);
  const target = await createPrivateTarget(pool, false);
  return [
    {
      service: 'submitter',
      // One mint at a time and a rare scan: the bench's instance is there to consume, not to run
      // whatever another test left in the shared tables.
      env: {
        ...stack,
        ...rpc,
        AUTHORITY_KEYPAIR_PATH: env.AUTHORITY_KEYPAIR_PATH,
        CUSTODIAL_SEED_PATH: env.CUSTODIAL_SEED_PATH,
        SUBMITTER_GROUP_ID: group('intake'),
        SUBMITTER_CONCURRENCY: '1',
        SUBMITTER_SCAN_MS: '60000',
      },
      groups: [{ label: 'submitter intake', groupId: group('intake'), topic: TOPICS.opsRequested, probe: copyOn(TOPICS.opsRequested, requestCopy) }],
    },
    {
      service: 'chain-ingest',
      env: {
        ...stack,
        ...rpc,
        SOLANA_WS_URL: env.SOLANA_WS_URL,
        INGEST_LEADER_LOCK: String(900_000_000 + Math.floor(Math.random() * 1e8)),
        INGEST_TRACK_FROM_TOPIC: 'false',
        INGEST_SWEEP_MS: '0',
        INGEST_REQUEST_GROUP: group('ingest-requests'),
        INGEST_STATUS_GROUP: group('ingest-status'),
      },
      groups: [
        { label: 'chain-ingest requests', groupId: group('ingest-requests'), topic: TOPICS.opsRequested, probe: copyOn(TOPICS.opsRequested, requestCopy) },
        { label: 'chain-ingest status', groupId: group('ingest-status'), topic: TOPICS.opsStatus, probe: copyOn(TOPICS.opsStatus, statusCopy) },
      ],
    },
    {
      service: 'projector',
      env: {
        ...stack,
        OWNERSHIP_TOPIC: ownershipTopic,
        OWNERSHIP_GROUP: group('projector-ownership'),
        OWNERSHIP_TABLE: target.table,
        OWNERSHIP_AUDIT_TABLE: target.audit!,
        STATUS_TOPIC: statusTopic,
        STATUS_GROUP: group('projector-status'),
      },
      groups: [
        {
          label: 'projector ownership',
          groupId: group('projector-ownership'),
          topic: ownershipTopic,
          probe: async () => {
            const [s] = await produceOwnership(producer, registry, ownershipTopic, [ownershipChange(randomMint(), 1, 'bench-rejoin')]);
            return { partition: s!.partition, offset: s!.offset };
          },
        },
        { label: 'projector status', groupId: group('projector-status'), topic: statusTopic, probe: copyOn(statusTopic, statusCopy) },
      ],
      cleanup: async () => {
        await admin.deleteTopics({ topics: [ownershipTopic, statusTopic] }).catch(() => undefined);
        await pool.query('DELETE FROM projector_offsets WHERE group_id = ANY($1)', [[group('projector-ownership'), group('projector-status')]]);
        await target.drop();
      },
    },
    {
      service: 'reconciler',
      env: {
        ...stack,
        ...rpc,
        RECONCILER_GROUP_ID: group('reconciler'),
        RECONCILE_INTERVAL_MS: '0',
        RECONCILE_EVAL_INTERVAL_MS: '600000',
        HEAL_OWNER_MISMATCH: 'report',
        HEAL_FAILED_OPERATION: 'review',
      },
      groups: [
        {
          label: 'reconciler join',
          groupId: group('reconciler'),
          topic: TOPICS.opsStatus,
          probe: copyOn(TOPICS.opsStatus, statusCopy),
          consumedBy: async (s) => Boolean((await s.ready()).body.checks?.join?.ok),
        },
      ],
    },
  ];
}

/** A new group starts where the topic ends: the bench's instance takes in nothing old. */
async function startAtEnd(groupId: string, topic: string): Promise<void> {
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.setOffsets({ groupId, topic, partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })) });
}

const members = async (groupId: string) => {
  const { groups } = await admin.describeGroups([groupId]);
  return { state: groups[0]?.state, ids: (groups[0]?.members ?? []).map((m) => m.memberId) };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return performance.now();
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface Row {
  group: string;
  round: number;
  assignedMs: number;
  consumedMs: number;
}

const rows: Row[] = [];
for (const c of await cases()) {
  for (const g of c.groups) if (!g.consumedBy && g.topic.startsWith('chain.')) await startAtEnd(g.groupId, g.topic);
  let proc = await spawnService(c.service, c.env, { timeoutMs: 120_000 });
  try {
    for (let round = 1; round <= rounds; round++) {
      // Every group settled with this process in it before the kill.
      for (const g of c.groups) await until(`${g.label} stable`, async () => (await members(g.groupId)).state === 'Stable');
      const before = new Set((await Promise.all(c.groups.map((g) => members(g.groupId)))).flatMap((m) => m.ids));
      // Lets the killed members heartbeat as they would in a steady state.
      await sleep(1_500);
      const killedAt = performance.now();
      proc.proc.kill(signal);
      await proc.exited;
      const probes = await Promise.all(c.groups.map((g) => g.probe()));
      proc = await spawnService(c.service, c.env, { until: 'spawned' });
      const current = proc;
      const measured = await Promise.all(
        c.groups.map(async (g, i) => {
          const assignedAt = await until(`${g.label} assigned`, async () => {
            const m = await members(g.groupId);
            return m.state === 'Stable' && m.ids.length > 0 && m.ids.every((x) => !before.has(x));
          });
          const probe = probes[i]!;
          const consumedAt = await until(`${g.label} consumed`, async () => {
            if (g.consumedBy) return g.consumedBy(current);
            const [t] = await admin.fetchOffsets({ groupId: g.groupId, topics: [g.topic] });
            const p = t?.partitions.find((x) => x.partition === probe.partition);
            return p !== undefined && BigInt(p.offset) > probe.offset;
          });
          return { group: g.label, round, assignedMs: assignedAt - killedAt, consumedMs: consumedAt - killedAt };
        }),
      );
      rows.push(...measured);
      // The restarted process is the next round's victim; ready first, as a supervisor's would be.
      await until(`${c.service} ready`, async () => (await proc.ready()).ok);
    }
  } finally {
    await proc.stop('SIGTERM');
    for (const g of c.groups) await admin.deleteGroups([g.groupId]).catch(() => undefined);
    await c.cleanup?.();
  }
}

const s = (ms: number) => (ms / 1000).toFixed(1);
console.log(`\nfrom a ${signal} to the restarted member (session ${process.env.KAFKA_SESSION_TIMEOUT_MS ?? 'default'} ms)\n`);
console.log('| consumer group | round | partitions assigned | record consumed | ≤ 10 s |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.group} | ${r.round} | ${s(r.assignedMs)} s | ${s(r.consumedMs)} s | ${r.consumedMs <= GOAL_MS ? 'yes' : 'NO'} |`);
const worst = Math.max(...rows.map((r) => r.consumedMs));
console.log(`\nworst: ${s(worst)} s (goal ≤ ${GOAL_MS / 1000} s): ${worst <= GOAL_MS ? 'met' : 'NOT met'}`);

await producer.disconnect();
await admin.disconnect();
await pool.end();
process.exit(worst <= GOAL_MS ? 0 : 1);
