/** What an error is about, so a log line or a DLQ record can say which operation, mint or slot failed. */
export interface ErrorContext {
  opId?: string;
  mint?: string;
  signature?: string;
  slot?: number;
  endpoint?: string;
  [key: string]: unknown;
}

/**
 * Retryability lives in the error type: `retryable` says whether the same action may succeed if
 * tried again. The cause is kept.
 */
export class ChainsyncError extends Error {
  readonly retryable: boolean;
  readonly context: ErrorContext;

  constructor(message: string, opts: { retryable: boolean; context?: ErrorContext; cause?: unknown }) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = new.target.name;
    this.retryable = opts.retryable;
    this.context = opts.context ?? {};
  }
}

/** A transient failure (timeout, 429, connection reset): trying again may work. */
export class RetryableError extends ChainsyncError {
  constructor(message: string, context?: ErrorContext, cause?: unknown) {
    super(message, { retryable: true, ...(context ? { context } : {}), cause });
  }
}

/** The request is well formed but can never succeed as it is (insufficient funds, wrong owner). */
export class PermanentError extends ChainsyncError {
  constructor(message: string, context?: ErrorContext, cause?: unknown) {
    super(message, { retryable: false, ...(context ? { context } : {}), cause });
  }
}

/** The input itself is bad (malformed payload, bad address, unknown operation type). */
export class InvalidInputError extends ChainsyncError {
  constructor(message: string, context?: ErrorContext, cause?: unknown) {
    super(message, { retryable: false, ...(context ? { context } : {}), cause });
  }
}

export function isRetryable(err: unknown): boolean {
  return err instanceof ChainsyncError ? err.retryable : false;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
