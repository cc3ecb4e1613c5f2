import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from './logger.ts';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs logging through pino; its INFO chatter (joins, commits) goes to debug. */
export function createKafka(clientId: string, brokers: string[], logger: Logger): Kafka {
  const child = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers,
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
