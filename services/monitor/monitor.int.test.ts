// The monitor as npm start runs it (a child process) against the real stack: the gauges read from
// tables follow rows written here, consumer lag follows a private group's commits, the outbox
// connector's replication slot is measured, and an RPC endpoint behind the cluster (a reference
// endpoint that answers a higher block height) or down is reported per endpoint.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKafka } from '../../test/support/kafka.ts';
import { samplesOf } from '../../test/support/metrics-text.ts';
import { randomHex } from '../../test/support/random.ts';
import { spawnService, type ServiceProcess } from '../../test/support/spawn-service.ts';
import { stackEnv } from '../../test/support/stack-env.ts';
import { waitFor } from '../../test/support/wait.ts';

const env = stackEnv();
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
const kafka = testKafka(env.KAFKA_BROKERS);
const admin = kafka.admin();
const producer = kafka.producer();
const run = randomHex(6);
const topic = `monitor-test-${run}`;
const group = `monitor-test-group-${run}`;
const ticketId = `monitor-test-${run}`;
const opId = randomUUID();
const deadLetterKey = `monitor-test-${run}`;
const AHEAD = 150;

let reference: Server;
let monitor: ServiceProcess;
let chainHeight = 0;

async function metrics(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${monitor.healthPort}/metrics`)).text();
}

const value = async (name: string, labels: Record<string, string> = {}) => samplesOf(await metrics(), name, labels)[0]?.value;

beforeAll(async () => {
  await Promise.all([admin.connect(), producer.connect()]);
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  // The "cluster": a reference endpoint always AHEAD blocks past the local chain.
  reference = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const { id } = JSON.parse(body) as { id: number };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id, result: chainHeight + AHEAD }));
    });
  });
  await new Promise<void>((resolve) => reference.listen(0, '127.0.0.1', resolve));
  const refUrl = `http://127.0.0.1:${(reference.address() as AddressInfo).port}`;
  monitor = await spawnService('monitor', {
    ...env,
    MONITOR_INTERVAL_MS: '1000',
    MONITOR_REFERENCE_RPC_URLS: `${refUrl},http://127.0.0.1:1`,
    RPC_TIMEOUT_MS: '1000',
  });
}, 120_000);

afterAll(async () => {
  await monitor?.stop();
  await pool.query('DELETE FROM submitter_dead_letters WHERE dedupe_key = $1', [deadLetterKey]);
  await pool.query('DELETE FROM chain_operations WHERE op_id = $1', [opId]);
  await pool.query('DELETE FROM tickets WHERE id = $1', [ticketId]);
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await Promise.all([admin.disconnect(), producer.disconnect()]);
  await pool.end();
  await new Promise<void>((resolve) => reference?.close(() => resolve()));
}, 60_000);

describe('monitor', () => {
  it('counts the dead-letter table, in all and within the window', async () => {
    const before = {
      total: (await value('chainsync_dead_letters', { kind: 'permanent' })) ?? -1,
      recent: (await value('chainsync_dead_letters_recent', { kind: 'permanent' })) ?? -1,
    };
    expect(before.total).toBeGreaterThanOrEqual(0);
    await pool.query(
      `INSERT INTO submitter_dead_letters (dedupe_key, op_id, mint, error_kind, reason, payload) VALUES ($1, NULL, NULL, 'permanent', 'monitor test', '{}')`,
      [deadLetterKey],
    );
    await waitFor('the dead letter counted', async () => (await value('chainsync_dead_letters', { kind: 'permanent' })) === before.total + 1, {
      timeoutMs: 10_000,
    });
    expect(await value('chainsync_dead_letters_recent', { kind: 'permanent' })).toBeGreaterThanOrEqual(before.recent + 1);
  });

  it('reports the age of the oldest operation still waiting', async () => {
    await pool.query(`INSERT INTO tickets (id, event_id) VALUES ($1, 'monitor-test')`, [ticketId]);
    await pool.query(
      `INSERT INTO chain_operations (op_id, idempotency_key, request_hash, type, ticket_id, mint, state, requested_at)
       VALUES ($1, $2, 'x', 'mint', $3, $4, 'requested', now() - interval '2 hours')`,
      [opId, `monitor-test-${run}`, ticketId, `monitor-test-mint-${run}`],
    );
    await waitFor(
      'the two-hour-old request reported',
      async () => ((await value('chainsync_operations_oldest_open_age_seconds', { state: 'requested' })) ?? 0) >= 7_200,
      { timeoutMs: 10_000 },
    );
    expect(await value('chainsync_operations_open', { state: 'requested' })).toBeGreaterThanOrEqual(1);
    expect(await value('chainsync_table_rows', { table: 'chain_operations' })).toBeGreaterThanOrEqual(0);
    expect(samplesOf(await metrics(), 'chainsync_table_rows').map((s) => s.labels.table)).toContain('submitter_attempts');
  });

  it("measures the WAL the outbox connector's replication slot retains", async () => {
    await waitFor('the slot streamed from', async () => (await value('chainsync_replication_slot_active', { slot: 'chainsync_outbox' })) === 1, {
      timeoutMs: 10_000,
    });
    expect(await value('chainsync_replication_slot_retained_wal_bytes', { slot: 'chainsync_outbox' })).toBeGreaterThan(0);
    expect(await value('chainsync_replication_slot_confirmed_flush_lag_bytes', { slot: 'chainsync_outbox' })).toBeGreaterThanOrEqual(0);
    // The guard behind the alert: the stack caps what a stalled slot may keep.
    expect((await pool.query<{ max_slot_wal_keep_size: string }>('SHOW max_slot_wal_keep_size')).rows[0]!.max_slot_wal_keep_size).toBe('8GB');
  });

  it("turns a group's committed offsets into lag in records and in time, and back to zero once it catches up", async () => {
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ key: 'k', value: String(i) })) });
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '2' }] });
    const labels = { group, topic, partition: '0' };
    await waitFor('lag of 3 records', async () => (await value('chainsync_consumer_lag', labels)) === 3, { timeoutMs: 15_000 });
    await waitFor('the lag dated', async () => ((await value('chainsync_consumer_lag_seconds', labels)) ?? 0) >= 2, { timeoutMs: 15_000 });
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '5' }] });
    await waitFor('the lag gone', async () => (await value('chainsync_consumer_lag_seconds', labels)) === 0, { timeoutMs: 15_000 });
    expect(await value('chainsync_consumer_lag', labels)).toBe(0);
  });

  it("reports each RPC endpoint's block height, how far it is behind the cluster, and the one that is down", async () => {
    const local = env.SOLANA_RPC_URL.replace(/\/$/, '');
    await waitFor(
      'the pipeline endpoint reported behind the reference',
      async () => {
        chainHeight = (await value('chainsync_rpc_block_height', { endpoint: local, role: 'pipeline' })) ?? 0;
        return ((await value('chainsync_rpc_blocks_behind', { endpoint: local, role: 'pipeline' })) ?? 0) >= AHEAD - 5;
      },
      { timeoutMs: 15_000 },
    );
    expect(chainHeight).toBeGreaterThan(0);
    expect(await value('chainsync_rpc_up', { endpoint: 'http://127.0.0.1:1', role: 'reference' })).toBe(0);
    await waitFor('probe errors counted', async () => ((await value('chainsync_rpc_probe_errors_total', { endpoint: 'http://127.0.0.1:1' })) ?? 0) >= 2, {
      timeoutMs: 10_000,
    });
    expect(samplesOf(await metrics(), 'chainsync_rpc_probe_seconds_count', { role: 'pipeline' }).length).toBe(1);
    const ready = await monitor.ready();
    expect(ready.ok).toBe(true);
  });
});
