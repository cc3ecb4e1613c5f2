// Shared by the submitter's integration tests and its benchmark: the real stack, operations
// requested through the application API (tickets + chain_operations + chain_outbox → Debezium),
// an in-process or child-process submitter, and a tail of chain.ops.status from "now".
import { randomInt } from 'node:crypto';
import { Connection, Keypair } from '@solana/web3.js';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import pg from 'pg';
import { createOpsApi, type OpsApi } from '../../api/operations.ts';
import { createTicket, registerCustodialWallet } from '../../api/tickets.ts';
import { randomHex } from './random.ts';
import { stackEnv, type StackEnv } from './stack-env.ts';
import { waitFor } from './wait.ts';
import { loadConfig } from '../../services/lib/config.ts';
import { silentLogger, type Logger } from '../../services/lib/logger.ts';
import { createMetricsRegistry } from '../../services/lib/metrics.ts';
import { createRegistry } from '../../services/lib/schemas.ts';
import { custodialKeypair, loadKeypairFile, loadMasterSeedFile } from '../../services/lib/solana/keys.ts';
import { TOPICS } from '../../services/lib/topics.ts';
import { submitterSpec } from '../../services/submitter/config.ts';
import type { DeadLetter, StatusEvent } from '../../services/submitter/events.ts';
import { startSubmitter, type RunningSubmitter } from '../../services/submitter/submitter.ts';

export interface Harness {
  env: StackEnv;
  pool: pg.Pool;
  api: OpsApi;
  authority: Keypair;
  seed: Buffer;
  conn: Connection;
  kafka: Kafka;
  registry: SchemaRegistry;
  close: () => Promise<void>;
}

export function harness(): Harness {
  const env = stackEnv();
  const authority = loadKeypairFile(env.AUTHORITY_KEYPAIR_PATH);
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 8 });
  return {
    env,
    pool,
    api: createOpsApi({ authority: authority.publicKey }),
    authority,
    seed: loadMasterSeedFile(env.CUSTODIAL_SEED_PATH),
    conn: new Connection(env.SOLANA_RPC_URL, 'confirmed'),
    kafka: new Kafka({ clientId: `submitter-test-${randomHex()}`, brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }),
    registry: createRegistry(env.SCHEMA_REGISTRY_URL),
    close: () => pool.end(),
  };
}

/** The submitter's env for a test: the stack's addresses, a fresh consumer group, quick leases. */
export function submitterEnv(h: Harness, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: h.env.DATABASE_URL,
    KAFKA_BROKERS: h.env.KAFKA_BROKERS,
    SCHEMA_REGISTRY_URL: h.env.SCHEMA_REGISTRY_URL,
    SOLANA_RPC_URL: h.env.SOLANA_RPC_URL,
    AUTHORITY_KEYPAIR_PATH: h.env.AUTHORITY_KEYPAIR_PATH,
    CUSTODIAL_SEED_PATH: h.env.CUSTODIAL_SEED_PATH,
    SUBMITTER_GROUP_ID: `submitter-test-${randomHex()}`,
    SUBMITTER_LEASE_TTL_MS: '3000',
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}

/** Points a new consumer group at the current end of `topic`, so it reads only what comes next. */
export async function groupAtEnd(kafka: Kafka, groupId: string, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })) });
  } finally {
    await admin.disconnect();
  }
}

export async function startTestSubmitter(h: Harness, env: Record<string, string>, logger: Logger = silentLogger()): Promise<RunningSubmitter> {
  const config = loadConfig(submitterSpec, env);
  await groupAtEnd(h.kafka, config.SUBMITTER_GROUP_ID, TOPICS.opsRequested);
  return startSubmitter({ config, logger, registry: createMetricsRegistry('submitter-test', false), authority: h.authority, custodialSeed: h.seed });
}

export interface Tail<T> {
  events: T[];
  /** Resolves with every event so far once `done` holds for them. */
  until: (done: (events: T[]) => boolean, timeoutMs?: number) => Promise<T[]>;
  stop: () => Promise<void>;
}

/** Decoded records of `topic` produced from now on. */
export async function tail<T>(h: Harness, topic: string): Promise<Tail<T>> {
  const groupId = `submitter-test-tail-${randomHex()}`;
  await groupAtEnd(h.kafka, groupId, topic);
  const consumer: Consumer = h.kafka.consumer({ groupId });
  const events: T[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic });
  // A rebalance re-delivers what was not committed yet: keep each record once, by its position.
  const seen = new Set<string>();
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const at = `${partition}:${message.offset}`;
      if (seen.has(at)) return;
      seen.add(at);
      events.push((await h.registry.decode(message.value!)) as T);
    },
  });
  return {
    events,
    until: (done, timeoutMs = 90_000) => waitFor(`the awaited events on ${topic}`, () => done(events) && events, { timeoutMs, everyMs: 100 }),
    stop: () => consumer.disconnect(),
  };
}

export const tailStatus = (h: Harness) => tail<StatusEvent>(h, TOPICS.opsStatus);
export const tailDlq = (h: Harness) => tail<DeadLetter>(h, TOPICS.opsDlq);

/** A custodial wallet registered in the database, at a random unused derivation index. */
export async function custodialWallet(h: Harness): Promise<{ address: string; index: number; keypair: Keypair }> {
  const index = randomInt(1_000_000, 2 ** 31 - 1);
  const keypair = custodialKeypair(h.seed, index);
  await registerCustodialWallet(h.pool, { address: keypair.publicKey.toBase58(), derivationIndex: index, label: 'submitter test' });
  return { address: keypair.publicKey.toBase58(), index, keypair };
}

export interface Requested {
  opId: string;
  ticketId: string;
  mint: string;
  to: string | null;
}

/** Tickets + mint requests, committed through the application API (→ outbox → Debezium). */
export async function requestMints(h: Harness, recipients: string[]): Promise<Requested[]> {
  const client = await h.pool.connect();
  try {
    await client.query('BEGIN');
    const out: Requested[] = [];
    for (const to of recipients) {
      const ticketId = `t-${randomHex(8)}`;
      await createTicket(client, { id: ticketId, eventId: 'submitter-test' });
      const op = await h.api.requestMint(client, { ticketId, to, idempotencyKey: `mint-${ticketId}` });
      out.push({ opId: op.opId, ticketId, mint: op.mint, to });
    }
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

/** Raw outbox rows, for payloads the API would refuse (poison input). */
export async function insertRawOutbox(h: Harness, key: string, payload: string, type = 'mint'): Promise<string> {
  const id = crypto.randomUUID();
  // payload is jsonb: malformed JSON cannot be stored, so it travels as a JSON string value.
  await h.pool.query(`INSERT INTO chain_outbox (id, aggregatetype, aggregateid, type, payload) VALUES ($1, 'operation', $2, $3, $4::jsonb)`, [
    id,
    key,
    type,
    payload,
  ]);
  return id;
}

/** Who holds the NFT at `mint`: owners of token accounts with a non-zero amount, and the supply. */
export async function holdersOf(h: Harness, mint: string): Promise<{ supply: string; owners: string[] }> {
  const { PublicKey } = await import('@solana/web3.js');
  const key = new PublicKey(mint);
  const supply = (await h.conn.getTokenSupply(key, 'confirmed')).value.amount;
  const largest = await h.conn.getTokenLargestAccounts(key, 'confirmed');
  const owners: string[] = [];
  for (const a of largest.value) {
    if (a.amount === '0') continue;
    const info = await h.conn.getParsedAccountInfo(a.address, 'confirmed');
    owners.push((info.value?.data as { parsed: { info: { owner: string } } }).parsed.info.owner);
  }
  return { supply, owners };
}

export async function advanceSlots(h: Harness, slots: number): Promise<void> {
  const res = await fetch(`${h.env.SOLANA_RPC_URL}/admin/advance`, { method: 'POST', body: JSON.stringify({ slots }) });
  if (!res.ok) throw new Error(`advance failed: ${res.status}`);
}

export async function injectFaults(h: Harness, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${h.env.SOLANA_RPC_URL}/admin/faults`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`faults failed: ${res.status} ${await res.text()}`);
}

export const newWallet = () => Keypair.generate().publicKey.toBase58();
