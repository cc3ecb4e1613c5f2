// `npm run monitor`: the gauges no single pipeline process can own (DLQ depth, open operations,
// the replication slot's WAL, consumer lag of every group, RPC health per endpoint, the last
// reconciliation), read every MONITOR_INTERVAL_MS and served on /metrics for Prometheus.
// The only file of the service that touches process.
import { createPool } from '../lib/db.ts';
import { createKafka } from '../lib/kafka.ts';
import { fromSpec, runService } from '../lib/service-lifecycle.ts';
import { rpcUrls } from '../lib/solana/rpc-config.ts';
import { monitorSpec } from './config.ts';
import { monitorMetrics } from './metrics.ts';
import { Monitor } from './monitor.ts';
import { fetchBlockHeight, probeTargets } from './rpc-probe.ts';

await runService(process, {
  name: 'monitor',
  config: fromSpec(monitorSpec),
  start: async ({ config, logger, registry, shutdown, pid }) => {
    const pool = createPool(config.DATABASE_URL, logger, 2);
    shutdown.onShutdown('postgres pool', () => pool.end());
    const admin = createKafka(`monitor-${pid}`, config.KAFKA_BROKERS, logger, config).admin();
    await admin.connect();
    shutdown.onShutdown('kafka admin', () => admin.disconnect());
    const monitor = new Monitor({
      db: pool,
      admin,
      metrics: monitorMetrics(registry),
      logger,
      rpc: { targets: probeTargets(rpcUrls(config), config.MONITOR_REFERENCE_RPC_URLS), read: fetchBlockHeight, timeoutMs: config.RPC_TIMEOUT_MS },
      deadLetterWindowSeconds: config.MONITOR_DEAD_LETTER_WINDOW_S,
      lagHistoryMs: config.MONITOR_LAG_HISTORY_S * 1000,
      syncGroups: config.MONITOR_SYNC_GROUPS,
      replicationSlot: config.MONITOR_REPLICATION_SLOT,
    });
    await monitor.tick();
    let ticking: Promise<void> | undefined;
    const timer = setInterval(() => {
      ticking ??= monitor.tick().finally(() => (ticking = undefined));
    }, config.MONITOR_INTERVAL_MS);
    shutdown.onShutdown('monitor ticks', async () => {
      clearInterval(timer);
      await ticking;
    });
    return [
      { name: 'postgres', check: async () => (await pool.query('SELECT 1')).rowCount === 1 },
      // An RPC endpoint that does not answer is what the monitor reports, not a fault of its own.
      { name: 'sources', check: async () => ({ ok: monitor.failingSources().every((s) => s === 'rpc'), detail: { failing: monitor.failingSources() } }) },
    ];
  },
});
