// Ingest records/s from the local chain into Kafka: N NFT holdings are seeded straight into the
// stack's chain (POST /admin/seed), then one ingest backfill reads them and publishes one
// OwnershipChange each to chain.ownership (Avro, acks=all). `npm run bench -- ingest [count]`.
import { Keypair } from '@solana/web3.js';
import { stackEnv } from '../test/support/stack-env.ts';
import { createKafka } from '../services/lib/kafka.ts';
import { silentLogger } from '../services/lib/logger.ts';
import { createMetricsRegistry } from '../services/lib/metrics.ts';
import { createRegistry } from '../services/lib/schemas.ts';
import { RpcPool } from '../services/lib/solana/rpc-pool.ts';
import { TOPICS } from '../services/lib/topics.ts';
import { Ingestor } from '../services/chain-ingest/ingestor.ts';
import { ingestMetrics } from '../services/chain-ingest/metrics.ts';
import { kafkaSink } from '../services/chain-ingest/sink.ts';
import { rpcTokenAccountReader } from '../services/chain-ingest/token-account-reader.ts';
import { admin } from '../test/support/chain.ts';

const count = Number(process.argv[2] ?? 5000);
const env = stackEnv();
const logger = silentLogger();

const holdings = Array.from({ length: count }, () => ({ mint: Keypair.generate().publicKey.toBase58(), owner: Keypair.generate().publicKey.toBase58() }));
for (let i = 0; i < holdings.length; i += 2000) await admin(env.SOLANA_RPC_URL, '/admin/seed', { holdings: holdings.slice(i, i + 2000) });

const kafka = createKafka('bench-ingest', env.KAFKA_BROKERS.split(','), logger);
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
// The bench measures the ingestor, not a rate limit: one local endpoint, unthrottled.
const rpc = new RpcPool({ urls: [env.SOLANA_RPC_URL], ratePerSecond: 100_000 });
try {
  const registry = createRegistry(env.SCHEMA_REGISTRY_URL);
  const sent: number[] = [];
  const sink = await kafkaSink(producer, registry, TOPICS.ownership);
  const metrics = ingestMetrics(createMetricsRegistry('bench', false));
  const ingestor = new Ingestor({
    chain: rpcTokenAccountReader(rpc),
    sink: {
      send: async (r) => {
        await sink.send(r);
        sent.push(r.length);
      },
    },
    metrics,
    logger,
    published: new Map(),
  });
  const start = performance.now();
  await ingestor.track(holdings.map((h) => h.mint));
  await ingestor.idle();
  const ms = performance.now() - start;
  const published = sent.reduce((a, b) => a + b, 0);
  if (published !== count) throw new Error(`published ${published} of ${count}`);
  console.log(
    `ingest backfill -> chain.ownership: ${count} NFTs, ${published} records in ${ms.toFixed(0)} ms = ${((published / ms) * 1000).toFixed(0)} records/s`,
  );
} finally {
  rpc.close();
  await producer.disconnect();
}
