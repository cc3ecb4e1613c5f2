// Publishes the status and dead-letter outboxes to Kafka in id order (per mint, the order of
// the state changes), through an idempotent producer. A row is marked published in the same
// transaction that locked it, after Kafka acknowledged it. A crash between the ack and the
// commit republishes that batch: consumers dedupe status events on (opId, state, attempt).
import { setTimeout as sleep } from 'node:timers/promises';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Producer } from 'kafkajs';
import { withTransaction, type Pool } from '../lib/db.ts';
import type { Logger } from '../lib/logger.ts';
import { TOPICS } from '../lib/topics.ts';
import * as store from './store.ts';

type Table = 'submitter_status_outbox' | 'submitter_dead_letters';

const DLQ_CHECK_MS = 500;
const BATCH = 500;
/** How long a poke waits for the events written after it, so they are published together. */
const LINGER_MS = 25;

export class OutboxPublisher {
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private lastOk = true;
  private dlqCheckedAt = 0;
  private dlqBacklog = false;
  private poked = false;

  constructor(
    private readonly pool: Pool,
    private readonly producer: Producer,
    private readonly registry: SchemaRegistry,
    private readonly schemaIds: { status: number; dlq: number },
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  get healthy(): boolean {
    return this.lastOk;
  }

  /** Stops after publishing what is already in the outboxes (bounded by the caller's grace). */
  async close(): Promise<void> {
    this.stopping = true;
    this.poke();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    for (;;) {
      // Cleared before the flush: a poke during it means rows the flush may have missed.
      this.poked = false;
      let published = 0;
      try {
        published += await this.flush('submitter_status_outbox', TOPICS.opsStatus, this.schemaIds.status);
        // Dead letters are rare: looked for at most every DLQ_CHECK_MS (each look is a
        // transaction), unless the last look found some or the publisher is stopping.
        if (this.stopping || this.dlqBacklog || Date.now() - this.dlqCheckedAt >= DLQ_CHECK_MS) {
          const n = await this.flush('submitter_dead_letters', TOPICS.opsDlq, this.schemaIds.dlq);
          this.dlqCheckedAt = Date.now();
          this.dlqBacklog = n > 0;
          published += n;
        }
        this.lastOk = true;
        failures = 0;
      } catch (err) {
        this.lastOk = false;
        failures++;
        this.logger.warn({ err, failures }, 'outbox publish failed; retrying');
        if (this.stopping && failures > 3) return;
        await sleep(Math.min(5_000, 100 * 2 ** failures));
        continue;
      }
      // A full batch may have more behind it; otherwise what is left came after the lock.
      if (published >= BATCH) continue;
      // Stopping: until a look finds nothing (the writers have stopped before this).
      if (this.stopping) {
        if (published === 0) return;
        continue;
      }
      if (!this.poked) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.intervalMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = undefined;
      }
      // An operation writes a status event at every step: publishing at each poke cost a
      // transaction (four round trips) and a Kafka request per event or two under load.
      if (this.poked && !this.stopping) await sleep(LINGER_MS);
    }
  }

  private flush(table: Table, topic: string, schemaId: number): Promise<number> {
    return withTransaction(this.pool, async (client) => {
      const rows = await store.lockUnpublished(client, table, BATCH);
      if (rows.length === 0) return 0;
      const messages = await Promise.all(rows.map(async (r) => ({ key: r.key === '' ? null : r.key, value: await this.registry.encode(schemaId, r.payload) })));
      await this.producer.send({ topic, messages, acks: -1 });
      await store.markPublished(
        client,
        table,
        rows.map((r) => r.id),
      );
      return rows.length;
    });
  }
}
