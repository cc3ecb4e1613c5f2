// chain-ingest: one active leader (Postgres advisory lock) streams the platform's NFT ownership
// from Solana into chain.ownership; standbys wait to take over. The only file that touches process.
import { createKafka } from '../lib/kafka.ts';
import { createRegistry } from '../lib/schemas.ts';
import { fromSpec, runService } from '../lib/service-lifecycle.ts';
import { ingestSpec } from './config.ts';
import { runLeaderLoop } from './leader-loop.ts';
import { ingestMetrics } from './metrics.ts';

await runService(process, {
  name: 'chain-ingest',
  config: fromSpec(ingestSpec),
  start: async ({ config, logger, registry, shutdown, fatal }) => {
    const kafka = createKafka('chain-ingest', config.KAFKA_BROKERS, logger, config);
    const loop = runLeaderLoop({
      config,
      kafka,
      registry: createRegistry(config.SCHEMA_REGISTRY_URL, config),
      metrics: ingestMetrics(registry),
      logger,
      signal: shutdown.signal,
      onFatal: fatal,
    });
    shutdown.onShutdown('leader loop', async () => {
      if (await loop.done) throw new Error('the last leader session failed');
    });
    const slotLag = async () => (await registry.getSingleMetric('chainsync_ingest_slot_lag')?.get())?.values[0]?.value ?? null;
    return [
      {
        name: 'ingest',
        // A standby is alive but not ready: it ingests nothing until it leads.
        check: async () => {
          const session = loop.session();
          return session
            ? {
                ok: session.ingestor.caughtUp,
                detail: { role: 'leader', caughtUp: session.ingestor.caughtUp, slotLag: await slotLag(), tracked: session.ingestor.trackedMints().length },
              }
            : { ok: false, detail: { role: 'standby' } };
        },
      },
    ];
  },
});
