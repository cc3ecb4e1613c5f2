// How every service process starts and ends, written once: config (exit 2 naming every problem),
// logger, metrics, health server, signals, one shutdown bounded by one grace period, and fatal
// errors. Exit codes tell a supervisor the truth: 0 only after a clean shutdown that a signal
// asked for; 1 after a failure (a fatal error, a dead consumer, a shutdown that overran its grace
// period); 2 for bad configuration; 130 when a second signal cut the shutdown short.
import type { Registry } from 'prom-client';
import { ConfigError, describeConfig, loadConfig, type ConfigOf, type Spec } from './config.ts';
import { errorMessage } from './errors.ts';
import { startHealthServer, type HealthServer, type ReadinessCheck } from './health.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetricsRegistry } from './metrics.ts';
import { Shutdown } from './shutdown.ts';
import { watchStalls } from './stall-watch.ts';
import { signalCounter } from './repeated-signal.ts';

export const EXIT = { clean: 0, failed: 1, config: 2, forced: 130 } as const;

/** The slice of `process` the lifecycle uses: main.ts passes the real one, tests a fake. */
export interface ProcessPort {
  readonly env: Record<string, string | undefined>;
  readonly pid: number;
  on(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  on(event: 'unhandledRejection' | 'uncaughtException', listener: (err: unknown) => void): unknown;
  exit(code: number): never;
  cpuUsage(): { user: number; system: number };
}

/** The settings the lifecycle reads (lifecycleSpec; commonSpec adds HEALTH_PORT and HEALTH_HOST). */
export interface LifecycleSettings {
  LOG_LEVEL: string;
  SHUTDOWN_GRACE_MS: number;
  /** Absent: the process serves no /health and /metrics (the local chain). */
  HEALTH_PORT?: number;
  HEALTH_HOST?: string;
}

export interface ConfigSource<C> {
  /** Throws ConfigError naming every problem. */
  load: (env: Record<string, string | undefined>) => C;
  /** The config as it may be logged (secrets redacted). */
  describe: (config: C) => Record<string, unknown>;
}

export const fromSpec = <S extends Spec>(spec: S): ConfigSource<ConfigOf<S>> => ({
  load: (env) => loadConfig(spec, env),
  describe: (config) => describeConfig(spec, config),
});

export interface ServiceContext<C> {
  config: C;
  logger: Logger;
  registry: Registry;
  /** Register what the service opens; steps run in reverse order, all within the grace period. */
  shutdown: Shutdown;
  /** An unrecoverable failure (a dead consumer, a lost invariant): orderly shutdown, then exit 1. */
  fatal: (err: unknown) => void;
  pid: number;
}

export interface ServiceDefinition<C extends LifecycleSettings> {
  name: string;
  config: ConfigSource<C>;
  /** Starts the service and resolves, once it runs, with its readiness checks. A ConfigError thrown here exits 2. */
  start: (ctx: ServiceContext<C>) => Promise<ReadinessCheck[] | void>;
}

/** The config, or (bad configuration) the message logged and exit 2. For commands that are not services too. */
export function loadConfigOrExit<C>(proc: Pick<ProcessPort, 'env' | 'exit'>, logger: Logger, source: ConfigSource<C>): C {
  try {
    return source.load(proc.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    logger.fatal(err.message);
    return proc.exit(EXIT.config);
  }
}

export interface RunningService {
  /** Where /health and /metrics answer (undefined: the process serves none). */
  healthPort: number | undefined;
}

/**
 * Runs a service until a signal or a fatal error ends it. Resolves once the service runs, or
 * with undefined if it could not start; the process ends through `proc.exit`, never by falling off.
 */
export async function runService<C extends LifecycleSettings>(
  proc: ProcessPort,
  def: ServiceDefinition<C>,
  logger: Logger = createLogger(def.name),
): Promise<RunningService | undefined> {
  const config = loadConfigOrExit(proc, logger, def.config);
  if (config === undefined) return undefined; // only a test's process comes back from exit
  logger.level = config.LOG_LEVEL;
  logger.info({ config: def.config.describe(config), pid: proc.pid }, 'starting');

  const shutdown = new Shutdown(logger, config.SHUTDOWN_GRACE_MS);
  shutdown.onShutdown('stall watch', watchStalls(logger, { cpuUsage: () => proc.cpuUsage() }));
  // Registered first so it closes last: while the rest stops, /health/live says why.
  let health: HealthServer | undefined;
  shutdown.onShutdown('health server', () => health?.close());

  let failure: { error: unknown } | undefined;
  const end = (reason: string, code: (clean: boolean) => number) => void shutdown.shutdown(reason).then((clean) => proc.exit(code(clean)));
  const fatal = (err: unknown, what = 'fatal error: shutting down') => {
    if (failure) return logger.error({ err }, 'another fatal error while shutting down');
    failure = { error: err };
    logger.fatal({ err }, what);
    end('fatal error', () => (err instanceof ConfigError ? EXIT.config : EXIT.failed));
  };
  const signalAction = signalCounter();
  const onSignal = (signal: NodeJS.Signals) => {
    const action = signalAction();
    if (action === 'duplicate') return logger.debug({ signal }, 'the same stop signal again (relayed): already stopping');
    if (action === 'force') {
      logger.warn({ signal }, 'second signal: exiting now');
      return proc.exit(EXIT.forced);
    }
    end(signal, (clean) => (clean && !failure ? EXIT.clean : EXIT.failed));
  };
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);
  proc.on('unhandledRejection', (err) => fatal(err, 'unhandled rejection: shutting down'));
  proc.on('uncaughtException', (err) => fatal(err, 'uncaught exception: shutting down'));

  const registry = createMetricsRegistry(def.name);
  let readiness: ReadinessCheck[] | void;
  try {
    readiness = await def.start({ config, logger, registry, shutdown, fatal, pid: proc.pid });
  } catch (err) {
    fatal(err, err instanceof ConfigError ? err.message : `${def.name} failed to start`);
    return undefined;
  }
  if (shutdown.requested) return undefined;
  if (config.HEALTH_PORT !== undefined) {
    try {
      health = await startHealthServer({
        port: config.HEALTH_PORT,
        host: config.HEALTH_HOST,
        registry,
        readiness: readiness ?? [],
        liveness: () => (failure ? { ok: false, detail: { fatal: errorMessage(failure.error) } } : { ok: true }),
      });
    } catch (err) {
      fatal(err, 'health server failed to start');
      return undefined;
    }
    // A fatal error while it was opening: the shutdown has already passed its step.
    if (shutdown.requested) {
      await health.close();
      return undefined;
    }
    logger.info({ healthHost: config.HEALTH_HOST ?? '127.0.0.1', healthPort: health.port }, 'health server listening');
  }
  logger.info({ healthPort: health?.port }, `${def.name} running`);
  return { healthPort: health?.port };
}
