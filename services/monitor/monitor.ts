// One tick reads every source and sets the gauges. Sources fail independently: a Kafka outage
// must not blank the database gauges. A gauge whose label sets come and go (groups, partitions,
// kinds) is reset and refilled in the same synchronous step, so a scrape never sees it half done.
import type { Admin } from 'kafkajs';
import type { Queryable } from '../lib/db.ts';
import { OPEN_OPERATION_STATES } from '../lib/domain/operation-status.ts';
import { FAILURE_KINDS } from '../lib/records.ts';
import type { Logger } from '../lib/logger.ts';
import { readDeadLetters, readOpenOperations, readReconcileState, readSlotWal, readTableRows } from './database-reads.ts';
import { groupLags, partitionKey, syncLagSeconds } from './group-lag.ts';
import { readGroupOffsets, readWatermarks } from './kafka-reads.ts';
import { addSample, type WatermarkSample } from './lag.ts';
import type { MonitorMetrics } from './metrics.ts';
import { blocksBehind, probeAll, type BlockHeightReader, type ProbeTarget } from './rpc-probe.ts';

export interface MonitorOptions {
  db: Queryable;
  admin: Admin;
  metrics: MonitorMetrics;
  logger: Logger;
  rpc: { targets: ProbeTarget[]; read: BlockHeightReader; timeoutMs: number };
  deadLetterWindowSeconds: number;
  lagHistoryMs: number;
  syncGroups: readonly string[];
  replicationSlot: string;
  now?: () => number;
}

export type Source = 'dead_letters' | 'operations' | 'replication_slot' | 'reconciliation' | 'tables' | 'consumer_lag' | 'rpc';

export class Monitor {
  private readonly history = new Map<string, WatermarkSample[]>();
  private readonly now: () => number;
  /** Sources whose last read failed, so a lasting failure is logged once, not every tick. */
  private readonly failing = new Set<Source>();

  constructor(private readonly o: MonitorOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Reads every source once; resolves when all have answered or failed. */
  async tick(): Promise<void> {
    await Promise.all([
      this.read('dead_letters', () => this.deadLetters()),
      this.read('operations', () => this.operations()),
      this.read('replication_slot', () => this.replicationSlot()),
      this.read('reconciliation', () => this.reconciliation()),
      this.read('tables', () => this.tables()),
      this.read('consumer_lag', () => this.consumerLag()),
      this.read('rpc', () => this.rpc()),
    ]);
  }

  /** Sources whose last read failed (the readiness detail). */
  failingSources(): Source[] {
    return [...this.failing];
  }

  private async read(source: Source, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
      this.o.metrics.lastSample.set({ source }, this.now() / 1000);
      if (this.failing.delete(source)) this.o.logger.info({ source }, 'monitor source readable again');
    } catch (err) {
      this.o.metrics.sampleErrors.inc({ source });
      if (!this.failing.has(source)) this.o.logger.warn({ err, source }, 'monitor source unreadable; its gauges keep their last values');
      this.failing.add(source);
    }
  }

  private async deadLetters(): Promise<void> {
    const counts = await readDeadLetters(this.o.db, this.o.deadLetterWindowSeconds);
    const { deadLetters, deadLettersRecent } = this.o.metrics;
    deadLetters.reset();
    deadLettersRecent.reset();
    // Every kind is always present, so "no dead letters" is a 0 and not a missing series.
    for (const kind of FAILURE_KINDS) {
      const c = counts.find((x) => x.kind === kind);
      deadLetters.set({ kind }, c?.total ?? 0);
      deadLettersRecent.set({ kind }, c?.recent ?? 0);
    }
  }

  private async operations(): Promise<void> {
    const open = await readOpenOperations(this.o.db);
    const { operationsOpen, operationsOldestOpen } = this.o.metrics;
    operationsOpen.reset();
    operationsOldestOpen.reset();
    for (const state of OPEN_OPERATION_STATES) {
      const o = open.find((x) => x.state === state);
      operationsOpen.set({ state }, o?.count ?? 0);
      operationsOldestOpen.set({ state }, o?.oldestAgeSeconds ?? 0);
    }
  }

  private async replicationSlot(): Promise<void> {
    const slot = this.o.replicationSlot;
    const wal = await readSlotWal(this.o.db, slot);
    const { slotActive, slotRetainedWal, slotFlushLag } = this.o.metrics;
    if (!wal) {
      for (const g of [slotActive, slotRetainedWal, slotFlushLag]) g.remove({ slot });
      return;
    }
    slotActive.set({ slot }, wal.active ? 1 : 0);
    slotRetainedWal.set({ slot }, wal.retainedBytes);
    slotFlushLag.set({ slot }, wal.flushLagBytes);
  }

  private async reconciliation(): Promise<void> {
    const state = await readReconcileState(this.o.db);
    if (state.lastSuccessAt) this.o.metrics.lastReconcileSuccess.set(state.lastSuccessAt.getTime() / 1000);
    this.o.metrics.lastReconcileFailed.set(state.lastFinishedFailed ? 1 : 0);
  }

  private async tables(): Promise<void> {
    for (const t of await readTableRows(this.o.db)) this.o.metrics.tableRows.set({ table: t.table }, t.rows);
  }

  private async consumerLag(): Promise<void> {
    const offsets = await readGroupOffsets(this.o.admin);
    const watermarks = await readWatermarks(this.o.admin, [...new Set(offsets.map((o) => o.topic))]);
    const nowMs = this.now();
    for (const w of watermarks) {
      const key = partitionKey(w.topic, w.partition);
      this.history.set(key, addSample(this.history.get(key) ?? [], { atMs: nowMs, high: w.high }, this.o.lagHistoryMs));
    }
    const lags = groupLags(offsets, watermarks, this.history, nowMs);
    const { consumerLag, consumerLagSeconds, syncLag } = this.o.metrics;
    consumerLag.reset();
    consumerLagSeconds.reset();
    for (const l of lags) {
      const labels = { group: l.group, topic: l.topic, partition: String(l.partition) };
      consumerLag.set(labels, l.records);
      consumerLagSeconds.set(labels, l.seconds);
    }
    syncLag.set(syncLagSeconds(lags, this.o.syncGroups));
  }

  private async rpc(): Promise<void> {
    const { targets, read, timeoutMs } = this.o.rpc;
    const results = await probeAll(targets, read, timeoutMs);
    const behind = blocksBehind(results.map((r) => r.height));
    const m = this.o.metrics;
    results.forEach((r, i) => {
      const labels = { endpoint: r.target.label, role: r.target.role };
      m.rpcLatency.observe(labels, r.seconds);
      m.rpcUp.set(labels, r.height === null ? 0 : 1);
      if (r.height === null) {
        m.rpcErrors.inc(labels);
        this.o.logger.debug({ endpoint: r.target.label, error: r.error }, 'RPC probe failed');
        return;
      }
      m.rpcBlockHeight.set(labels, r.height);
      m.rpcBlocksBehind.set(labels, behind[i]!);
    });
    // Counted per endpoint above; the source itself failed only when no endpoint answered.
    if (results.every((r) => r.height === null)) throw new Error('no RPC endpoint answered getBlockHeight');
  }
}
