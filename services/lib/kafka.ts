import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from './logger.ts';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** The shared group settings (kafkaGroupSpec in config.ts). */
export interface GroupSession {
  KAFKA_SESSION_TIMEOUT_MS: number;
  KAFKA_HEARTBEAT_INTERVAL_MS: number;
}

/** How to reach a secured cluster (securitySpec in config.ts); every field off by default. */
export interface KafkaSecurity {
  KAFKA_SSL?: boolean;
  KAFKA_SSL_CA_PATH?: string;
  KAFKA_SASL_MECHANISM?: string;
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
}

/** kafkajs's ssl and sasl options from the settings; SASL without TLS is allowed (SASL_PLAINTEXT). */
export function kafkaSecurity(s: KafkaSecurity, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (s.KAFKA_SSL) out.ssl = s.KAFKA_SSL_CA_PATH ? { ca: [readFile(s.KAFKA_SSL_CA_PATH)] } : true;
  if (s.KAFKA_SASL_MECHANISM) {
    out.sasl = { mechanism: s.KAFKA_SASL_MECHANISM, username: s.KAFKA_SASL_USERNAME ?? '', password: s.KAFKA_SASL_PASSWORD ?? '' } as SASLOptions;
  }
  return out;
}

/**
 * kafkajs logging through pino; its INFO chatter (joins, commits) goes to debug. With `group`
 * (every service passes its config), each consumer made from this client gets the shared session
 * timeout and heartbeat interval, so no consumer group is left on kafkajs's 30 s session, after
 * which a killed member's partitions would only move.
 */
export function createKafka(clientId: string, brokers: string[], logger: Logger, group?: GroupSession & KafkaSecurity): Kafka {
  const kafka = newKafka(clientId, brokers, logger, group ? kafkaSecurity(group) : {});
  if (group) {
    const consumer = kafka.consumer.bind(kafka);
    kafka.consumer = (config) => consumer({ sessionTimeout: group.KAFKA_SESSION_TIMEOUT_MS, heartbeatInterval: group.KAFKA_HEARTBEAT_INTERVAL_MS, ...config });
  }
  return kafka;
}

function newKafka(clientId: string, brokers: string[], logger: Logger, security: Pick<KafkaConfig, 'ssl' | 'sasl'>): Kafka {
  const child = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers,
    ...security,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        const pinoLevel = LEVELS[level] === 'info' ? 'debug' : (LEVELS[level] ?? 'debug');
        child[pinoLevel](rest, message);
      },
  });
}

/**
 * How long a fetch may wait for more records. kafkajs asks for 1 byte, so under load every
 * consumer sends a fetch per record or two, and on a small machine those requests (and the
 * broker's answers) cost more CPU than the records. Asking for more bytes with a short wait
 * batches records under load and adds at most the wait when traffic is light. 'latency' is for
 * hops on the path from a request to its projected owner; 'background' for consumers nothing
 * waits on.
 */
export const FETCH_PACING = {
  latency: { minBytes: 64 << 10, maxWaitTimeInMs: 20 },
  background: { minBytes: 64 << 10, maxWaitTimeInMs: 200 },
} as const;
export type FetchPacing = keyof typeof FETCH_PACING;

/** How often a busy batch handler offers a heartbeat; kafkajs sends one only once its interval is due. */
const KEEP_ALIVE_MS = 250;

/**
 * Runs a batch handler's work while heartbeating. kafkajs heartbeats between batches only, and
 * waits for every batch of a fetch before the next: a handler waiting on Postgres or an RPC for
 * longer than the session would be taken for dead and its partitions moved (a rebalance for
 * nothing, and the batch done twice). A heartbeat that fails (the group is rebalancing) is left
 * to the one kafkajs sends after the batch, which rejoins. Waiting work only: a loop that never
 * yields to the event loop must call `heartbeat` itself.
 */
export async function whileHeartbeating<T>(heartbeat: () => Promise<void>, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => void heartbeat().catch(() => undefined), KEEP_ALIVE_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
