// Test and demo support: the pipeline's services as child processes (what `npm start` runs), each
// startable and stoppable on its own, so a test can stop the projector and bring it back.
import { spawnService, type ServiceName, type ServiceProcess } from './spawn-service.ts';

export type { ServiceName } from './spawn-service.ts';

export interface Pipeline {
  /** Starts a service and resolves once its /health/ready answers 200. */
  start(name: ServiceName): Promise<void>;
  stop(name: ServiceName): Promise<void>;
  stopAll(): Promise<void>;
  logs(name: ServiceName): string;
}

export function pipeline(env: Record<string, string>, overrides: Partial<Record<ServiceName, Record<string, string>>> = {}): Pipeline {
  const running = new Map<ServiceName, ServiceProcess>();
  const lastLogs = new Map<ServiceName, string>();
  // CHAINSYNC_SERVICE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the services of a bench run.
  const nodeArgs = (process.env.CHAINSYNC_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // CHAINSYNC_SERVICE_LOG_DIR keeps each service's whole log of a bench run, as <dir>/<service>.log.
  const logDir = process.env.CHAINSYNC_SERVICE_LOG_DIR || undefined;
  const stop = async (name: ServiceName) => {
    const service = running.get(name);
    if (!service) return;
    await service.stop('SIGTERM');
    lastLogs.set(name, service.logs());
    running.delete(name);
  };
  return {
    async start(name) {
      // chain-ingest is ready once its start backfill caught up, which takes longer on a large chain.
      running.set(name, await spawnService(name, { ...env, ...overrides[name] }, { nodeArgs, timeoutMs: 120_000, ...(logDir ? { logDir } : {}) }));
    },
    stop,
    stopAll: async () => void (await Promise.all([...running.keys()].map(stop))),
    logs: (name) => running.get(name)?.logs() ?? lastLogs.get(name) ?? '',
  };
}
