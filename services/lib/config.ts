/**
 * Config declared once: each key has a description, an optional default and a parser. Loading
 * collects every problem before failing, so a bad start names all of them in one message.
 */
export interface Setting<T> {
  description: string;
  default?: T;
  secret?: boolean;
  parse: (raw: string) => T;
  /** A rule across settings ("this or that is required"), checked once every setting is read: the problem, if any. */
  check?: (config: Readonly<Record<string, unknown>>) => string | undefined;
}

export type Spec = Record<string, Setting<unknown>>;
export type ConfigOf<S extends Spec> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig<S extends Spec>(spec: S, env: Record<string, string | undefined>): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, setting] of Object.entries(spec)) {
    const raw = env[key];
    if (raw === undefined || raw === '') {
      if (setting.default === undefined) problems.push(`${key} is required: ${setting.description}`);
      else out[key] = setting.default;
      continue;
    }
    try {
      out[key] = setting.parse(raw);
    } catch (err) {
      const shown = setting.secret ? '(redacted)' : JSON.stringify(raw);
      problems.push(`${key}=${shown} is invalid: ${(err as Error).message} (${setting.description})`);
    }
  }
  // Rules across settings read parsed values, so they run once every setting parsed.
  if (!problems.length)
    for (const [key, setting] of Object.entries(spec)) {
      const problem = setting.check?.(out);
      if (problem) problems.push(`${key}: ${problem}`);
    }
  if (problems.length) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}

/** The config as it can be logged: secrets replaced. */
export function describeConfig<S extends Spec>(spec: S, config: ConfigOf<S>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(spec).map((k) => [k, spec[k]!.secret ? '[redacted]' : config[k as keyof S]]));
}

// Parsers.
export const str = (description: string, fallback?: string, secret = false): Setting<string> => ({
  description,
  ...(fallback !== undefined ? { default: fallback } : {}),
  secret,
  parse: (raw) => raw,
});

export const int = (description: string, fallback: number | undefined, min: number, max: number): Setting<number> => ({
  description,
  ...(fallback !== undefined ? { default: fallback } : {}),
  parse: (raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error('not a whole number');
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`must be between ${min} and ${max}`);
    return n;
  },
});

export const bool = (description: string, fallback: boolean): Setting<boolean> => ({
  description,
  default: fallback,
  parse: (raw) => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new Error('expected true or false');
  },
});

export const url = (description: string, protocols: string[], fallback?: string): Setting<string> => ({
  description,
  ...(fallback !== undefined ? { default: fallback } : {}),
  parse: (raw) => {
    const u = new URL(raw);
    if (!protocols.includes(u.protocol)) throw new Error(`protocol must be one of ${protocols.join(', ')}`);
    return raw;
  },
});

export const list = (description: string, fallback?: string[]): Setting<string[]> => ({
  description,
  ...(fallback !== undefined ? { default: fallback } : {}),
  parse: (raw) => {
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0) throw new Error('empty list');
    return items;
  },
});

export const oneOf = <T extends string>(description: string, values: readonly T[], fallback: T): Setting<T> => ({
  description,
  default: fallback,
  parse: (raw) => {
    if (!(values as readonly string[]).includes(raw)) throw new Error(`must be one of ${values.join(', ')}`);
    return raw as T;
  },
});

/** What the service lifecycle (service-lifecycle.ts) needs of every process it runs. */
export const lifecycleSpec = {
  LOG_LEVEL: oneOf('pino log level', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  SHUTDOWN_GRACE_MS: int('how long a graceful shutdown may take in all; a process still stopping after it exits non-zero', 15_000, 100, 120_000),
} satisfies Spec;

/**
 * How every consumer group member of every service keeps its place in the group (lib/kafka.ts).
 * A member that dies without leaving (SIGKILL, a lost host) holds its partitions until its session
 * times out: nobody consumes them meanwhile, its own restarted process included. A shorter session
 * makes that shorter, but a member that heartbeats less often than that is taken for dead and its
 * partitions move (a needless rebalance): see docs/operations.md.
 */
export const kafkaGroupSpec = {
  KAFKA_SESSION_TIMEOUT_MS: int(
    'consumer group session timeout of every consumer: how long the partitions of a member that died without ' +
      'leaving wait before they move to another member (or its restarted process); the broker must allow it ' +
      '(group.min.session.timeout.ms, 6000 by default)',
    6_000,
    1_000,
    300_000,
  ),
  KAFKA_HEARTBEAT_INTERVAL_MS: {
    ...int(
      'how often every consumer heartbeats to its group (at most a third of KAFKA_SESSION_TIMEOUT_MS, so a late ' +
        'heartbeat or two does not cost the session); also how soon a live member learns that its group rebalances',
      1_000,
      100,
      100_000,
    ),
    check: (c: Readonly<Record<string, unknown>>) =>
      (c.KAFKA_HEARTBEAT_INTERVAL_MS as number) * 3 > (c.KAFKA_SESSION_TIMEOUT_MS as number)
        ? `must be at most a third of KAFKA_SESSION_TIMEOUT_MS (${c.KAFKA_SESSION_TIMEOUT_MS as number} ms)`
        : undefined,
  },
} satisfies Spec;

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** How the services reach a secured Kafka and schema registry (all off on the local stack). */
export const securitySpec = {
  KAFKA_SSL: bool('connect to Kafka over TLS', false),
  KAFKA_SSL_CA_PATH: str("PEM file of the CA that signed the brokers' certificates (empty: the system CAs)", ''),
  KAFKA_SASL_MECHANISM: {
    ...str(`SASL mechanism for Kafka: ${SASL_MECHANISMS.join(', ')} (empty: no SASL)`, ''),
    parse: (raw: string) => {
      const v = raw.trim().toLowerCase();
      if (!(SASL_MECHANISMS as readonly string[]).includes(v)) throw new Error(`expected one of ${SASL_MECHANISMS.join(', ')}`);
      return v;
    },
    check: (c: Readonly<Record<string, unknown>>) =>
      c.KAFKA_SASL_MECHANISM && !(c.KAFKA_SASL_USERNAME && c.KAFKA_SASL_PASSWORD) ? 'needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD' : undefined,
  },
  KAFKA_SASL_USERNAME: str('SASL user name for Kafka', ''),
  KAFKA_SASL_PASSWORD: str('SASL password for Kafka', '', true),
  SCHEMA_REGISTRY_USERNAME: str('basic-auth user of the schema registry (empty: none)', ''),
  SCHEMA_REGISTRY_PASSWORD: {
    ...str('basic-auth password of the schema registry', '', true),
    check: (c: Readonly<Record<string, unknown>>) =>
      c.SCHEMA_REGISTRY_USERNAME && !c.SCHEMA_REGISTRY_PASSWORD ? 'needed with SCHEMA_REGISTRY_USERNAME' : undefined,
  },
} satisfies Spec;

/** The settings every service shares: where the stack is, how its consumers stay in their groups, and where it serves health and metrics. */
export const commonSpec = {
  DATABASE_URL: {
    ...str('PostgreSQL connection string of the chainsync database', undefined, true),
    parse: (raw: string) => {
      new URL(raw);
      return raw;
    },
  },
  KAFKA_BROKERS: list('comma-separated Kafka bootstrap brokers (host:port)'),
  ...kafkaGroupSpec,
  SCHEMA_REGISTRY_URL: url('Confluent-compatible schema registry API (Apicurio: …/apis/ccompat/v7)', ['http:', 'https:']),
  ...securitySpec,
  HEALTH_PORT: int('port of /health/live, /health/ready and /metrics (0 = any free port)', 0, 0, 65535),
  HEALTH_HOST: {
    ...str('address /health and /metrics listen on (0.0.0.0 in a container, so Prometheus can reach it)', '127.0.0.1'),
    parse: (raw: string) => {
      if (!/^[\w.:-]+$/.test(raw.trim())) throw new Error('not a host name or IP address');
      return raw.trim();
    },
  },
  ...lifecycleSpec,
} satisfies Spec;
