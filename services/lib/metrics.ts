import { Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per service (not prom-client's global), so tests can build several side by side. */
export function createMetricsRegistry(service: string, withDefaults = true): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (withDefaults) collectDefaultMetrics({ register: registry, prefix: 'chainsync_' });
  return registry;
}
