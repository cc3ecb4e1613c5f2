// `npm run reconcile -- --now [--mints a,b,…]`: one full reconciliation from the command line,
// with a progress bar and a summary table. `npm run reconcile` alone shows the last runs.
import { Kafka, logLevel } from 'kafkajs';
import { kafkaSecurity } from '../lib/kafka.ts';
import { ConfigError, loadConfig } from '../lib/config.ts';
import { createPool } from '../lib/db.ts';
import { createLogger } from '../lib/logger.ts';
import { createRegistry } from '../lib/schemas.ts';
import { rpcPoolOptions } from '../lib/solana/rpc-config.ts';
import { RpcPool } from '../lib/solana/rpc-pool.ts';
import { reconcilerSpec } from './config.ts';
import { fullReconciliation } from './full-run.ts';
import { discrepancyPublisher } from './publisher.ts';
import { progressBar, summaryTable } from './report.ts';
import { lastRuns } from './runs.ts';
import { policyOf, thresholdsOf } from './service.ts';
import { rpcHolderSnapshotReader } from './snapshot.ts';
import { openCounts } from './store.ts';

const args = process.argv.slice(2);
const logger = createLogger('reconcile', { level: process.env.LOG_LEVEL ?? 'warn' });
let config;
try {
  config = loadConfig(reconcilerSpec, process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(2);
}
const pool = createPool(config.DATABASE_URL, logger, 4);
try {
  if (!args.includes('--now')) {
    console.log('usage: npm run reconcile -- --now [--mints a,b,…]   (last runs below)');
    console.table(await lastRuns(pool, 10));
  } else {
    const mintsArg = args[args.indexOf('--mints') + 1];
    const scope = args.includes('--mints') && mintsArg ? mintsArg.split(',').filter(Boolean) : undefined;
    const kafka = new Kafka({ clientId: `reconcile-cli-${process.pid}`, brokers: config.KAFKA_BROKERS, logLevel: logLevel.NOTHING, ...kafkaSecurity(config) });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const rpc = new RpcPool(rpcPoolOptions(config));
    const started = Date.now();
    const tty = process.stderr.isTTY;
    let lastPrinted = 0;
    try {
      const summary = await fullReconciliation(
        {
          pool,
          reader: rpcHolderSnapshotReader(rpc, { scanTimeoutMs: config.RPC_SCAN_TIMEOUT_MS }),
          publish: discrepancyPublisher(producer, createRegistry(config.SCHEMA_REGISTRY_URL, config)),
          logger,
          thresholds: thresholdsOf(config),
          policy: policyOf(config),
          chunkKeys: config.RECONCILE_CHUNK_KEYS,
          concurrency: config.RECONCILE_RPC_CONCURRENCY,
          timeoutMs: config.RECONCILE_TIMEOUT_MS,
          strategy: config.RECONCILE_SNAPSHOT,
          ...(scope ? { scope } : {}),
        },
        'cli',
        {
          onProgress: (done, total) => {
            const now = Date.now();
            if (done < total && now - lastPrinted < 200) return;
            lastPrinted = now;
            const bar = progressBar(done, total, 30, now - started);
            process.stderr.write(tty ? `\r${bar}` : `${bar}\n`);
          },
        },
      );
      if (tty) process.stderr.write('\n');
      console.log(summaryTable(summary, await openCounts(pool)));
      process.exitCode = summary.status === 'succeeded' ? 0 : 1;
    } finally {
      rpc.close();
      await producer.disconnect();
    }
  }
} catch (err) {
  logger.error({ err }, 'reconcile failed');
  process.exitCode = 1;
} finally {
  await pool.end();
}
