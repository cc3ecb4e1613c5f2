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
