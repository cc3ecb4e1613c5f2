// Shared by this service's integration tests and its benchmark: private topics, groups and
// tables on the real stack, and records encoded through the real registry.
import { randomBytes } from 'node:crypto';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Pool, Queryable } from '../../services/lib/db.ts';
import { createPool } from '../../services/lib/db.ts';
import { silentLogger } from '../../services/lib/logger.ts';
import { createMetricsRegistry } from '../../services/lib/metrics.ts';
import { createRegistry } from '../../services/lib/schemas.ts';
import { TOPICS } from '../../services/lib/topics.ts';
import { createTestTopic } from './kafka.ts';
import { randomHex } from './random.ts';
import { waitFor } from './wait.ts';
import type { ProjectorContext } from '../../services/projector/consumers.ts';
import { projectorMetrics } from '../../services/projector/metrics.ts';
import type { OperationStatus } from '../../services/projector/op-status.ts';
import { ident, type OwnershipTarget } from '../../services/projector/ownership-store.ts';
import type { OwnershipChange } from '../../services/projector/ownership-reducer.ts';

export const PARTITIONS = 6;

export interface StackAddresses {
  DATABASE_URL: string;
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
}

export function projectorTestContext(env: StackAddresses): ProjectorContext & { close: () => Promise<void> } {
  const pool = createPool(env.DATABASE_URL, silentLogger());
  const kafka = new Kafka({ clientId: `projector-test-${randomHex()}`, brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  return {
    kafka,
    pool,
    registry: createRegistry(env.SCHEMA_REGISTRY_URL),
    logger: silentLogger(),
    metrics: projectorMetrics(createMetricsRegistry('projector-test', false)),
    close: () => pool.end(),
  };
}

/** The projector process's settings for a test's own ownership topic, group and tables (that consumer only). */
export function ownershipProjectorEnv(env: StackAddresses, o: { topic: string; group: string; target: OwnershipTarget }): Record<string, string> {
  return {
    DATABASE_URL: env.DATABASE_URL,
    KAFKA_BROKERS: env.KAFKA_BROKERS,
    SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL,
    OWNERSHIP_TOPIC: o.topic,
    OWNERSHIP_GROUP: o.group,
    OWNERSHIP_TABLE: o.target.table,
    ...(o.target.audit ? { OWNERSHIP_AUDIT_TABLE: o.target.audit } : {}),
    PROJECTOR_CONSUMERS: 'ownership',
  };
}

export const createTopic = (kafka: Kafka) => createTestTopic(kafka, PARTITIONS);

export async function deleteTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
}

/** A private copy of the live tables' shape, so tests never touch the shared `ownership` rows. */
export async function createPrivateTarget(db: Queryable, tickets = true): Promise<OwnershipTarget & { drop: () => Promise<void> }> {
  const table = `ownership_t_${randomHex(4)}`;
  const audit = `${table}_audit`;
  await db.query(`CREATE TABLE ${ident(table)} (LIKE ownership INCLUDING ALL)`);
  await db.query(`CREATE TABLE ${ident(audit)} (LIKE ownership_audit INCLUDING ALL)`);
  return {
    table,
    audit,
    tickets,
    drop: async () => void (await db.query(`DROP TABLE IF EXISTS ${ident(table)}, ${ident(audit)}, ${ident(`${table}_rebuild`)}`)),
  };
}

/** A plausible random base58 mint address (44 chars; never a real account). */
export function randomMint(): string {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  return Array.from(randomBytes(44), (b) => alphabet[b % alphabet.length]).join('');
}

/** Records with their Kafka coordinates, to compute what the table must hold below any offset. */
export interface Sent<T> {
  value: T;
  partition: number;
  offset: bigint;
}

/** Our own partitioner (by mint), so the test knows each record's partition and offset. */
export const partitionOf = (mint: string) => [...mint].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % PARTITIONS;

export async function produceEncoded<T extends { mint: string }>(
  producer: Producer,
  registry: SchemaRegistry,
  subject: string,
  topic: string,
  values: T[],
): Promise<Array<Sent<T>>> {
  const id = await registry.getLatestSchemaId(subject);
  const byPartition = new Map<number, T[]>();
  for (const v of values) {
    const p = partitionOf(v.mint);
    const list = byPartition.get(p);
    if (list) list.push(v);
    else byPartition.set(p, [v]);
  }
  const sent: Array<Sent<T>> = [];
  for (const [partition, list] of byPartition) {
    const messages = await Promise.all(list.map(async (v) => ({ key: v.mint, value: await registry.encode(id, v), partition })));
    for (let i = 0; i < messages.length; i += 5_000) {
      const chunk = messages.slice(i, i + 5_000);
      const [meta] = await producer.send({ topic, messages: chunk, acks: -1 });
      const base = BigInt(meta!.baseOffset!);
      chunk.forEach((_, j) => sent.push({ value: list[i + j]!, partition, offset: base + BigInt(j) }));
    }
  }
  return sent;
}

export const produceOwnership = (producer: Producer, registry: SchemaRegistry, topic: string, values: OwnershipChange[]) =>
  produceEncoded(producer, registry, `${TOPICS.ownership}-value`, topic, values);
export const produceStatus = (producer: Producer, registry: SchemaRegistry, topic: string, values: OperationStatus[]) =>
  produceEncoded(producer, registry, `${TOPICS.opsStatus}-value`, topic, values);

export function ownershipChange(mint: string, slot: number, owner: string | null, commitment: 'confirmed' | 'finalized' = 'confirmed'): OwnershipChange {
  return {
    mint,
    owner,
    tokenAccount: owner ? `ta${owner.slice(0, 20)}` : null,
    amount: owner ? 1 : 0,
    slot,
    commitment,
    source: 'stream',
    observedAt: 1_700_000_000_000 + slot * 400,
  };
}

/** Resolves once the group's stored offsets reach every partition's end. */
export async function waitForDbOffsets(pool: Pool, kafka: Kafka, group: string, topic: string, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    await waitFor(
      `group ${group} to store offsets at the end of ${topic} (${JSON.stringify(ends.map((e) => [e.partition, e.high]))})`,
      async () => {
        const { rows } = await pool.query<{ partition: number; next_offset: string }>(
          'SELECT partition, next_offset FROM projector_offsets WHERE group_id = $1 AND topic = $2',
          [group, topic],
        );
        const at = new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
        return ends.every((e) => BigInt(e.high) === BigInt(e.low) || (at.get(e.partition) ?? -1n) >= BigInt(e.high));
      },
      { timeoutMs, everyMs },
    );
  } finally {
    await admin.disconnect();
  }
}

export interface TableRow {
  mint: string;
  owner: string | null;
  token_account: string | null;
  slot: string;
  commitment: string;
  updated_at: Date;
}

export async function readTable(db: Queryable, table: string): Promise<Map<string, TableRow>> {
  const { rows } = await db.query<TableRow>(`SELECT mint, owner, token_account, amount, slot, commitment, updated_at FROM ${ident(table)} ORDER BY mint`);
  return new Map(rows.map((r) => [r.mint, r]));
}
