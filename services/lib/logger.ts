import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

// Keys and seeds must never reach a log line, whatever object a caller hands to the logger.
const REDACT_PATHS = ['secretKey', '*.secretKey', 'privateKey', '*.privateKey', 'seed', '*.seed', 'password', '*.password', 'keypair', '*.keypair'];

/** At 'info' unless `options.level` says otherwise; a service's LOG_LEVEL is set by its lifecycle. */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  return pino({
    name,
    level: 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...options,
  });
}

/** A logger that writes nothing, for tests that assert on behaviour rather than output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
