import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  multiplier: number;
  /** 0 = no jitter, 1 = "full jitter" (a delay anywhere between 0 and the exponential value). */
  jitter: number;
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 10_000, multiplier: 2, jitter: 0.5, maxAttempts: 6 };

/** Checked once when built, so a bad policy fails at start rather than on the first failure. */
export function backoffPolicy(p: Partial<BackoffPolicy> = {}): BackoffPolicy {
  const policy = { ...DEFAULT_BACKOFF, ...p };
  const problems: string[] = [];
  if (!(policy.initialMs > 0)) problems.push('initialMs must be > 0');
  if (!(policy.maxMs >= policy.initialMs)) problems.push('maxMs must be >= initialMs');
  if (!(policy.multiplier >= 1)) problems.push('multiplier must be >= 1');
  if (!(policy.jitter >= 0 && policy.jitter <= 1)) problems.push('jitter must be within [0, 1]');
  if (!(Number.isInteger(policy.maxAttempts) && policy.maxAttempts >= 1)) problems.push('maxAttempts must be a whole number >= 1');
  if (problems.length) throw new RangeError(`invalid backoff policy: ${problems.join('; ')}`);
  return policy;
}

/**
 * Delay before retry number `attempt` (1 = the first retry): exponential, capped at maxMs, with
 * the top `jitter` fraction randomised by `random` in [0, 1) so that many clients do not retry
 * in step. Always within [base * (1 - jitter), base] where base = min(maxMs, initial * m^(attempt-1)).
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: number): number {
  const exp = policy.initialMs * policy.multiplier ** Math.max(0, attempt - 1);
  const base = Math.min(policy.maxMs, Number.isFinite(exp) ? exp : policy.maxMs);
  return base * (1 - policy.jitter * random);
}

export interface RetryOptions {
  policy?: BackoffPolicy;
  /** Whether an error is worth another try; programming errors never are. */
  retryable: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
  random?: () => number;
}

/** A bug, not a circumstance: the same code with the same input fails the same way again. */
export const isProgrammingError = (err: unknown): boolean =>
  err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError || err instanceof ReferenceError;

/** Runs `fn` until it succeeds, fails with a non-retryable error, or runs out of attempts. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const policy = opts.policy ?? DEFAULT_BACKOFF;
  const random = opts.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (isProgrammingError(err) || !opts.retryable(err) || attempt >= policy.maxAttempts || opts.signal?.aborted) throw err;
      const delay = backoffDelay(policy, attempt, random());
      opts.onRetry?.(err, attempt, delay);
      await sleep(delay, undefined, opts.signal ? { signal: opts.signal } : undefined);
    }
  }
}
