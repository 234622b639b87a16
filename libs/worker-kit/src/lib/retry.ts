import { StepError } from './step-errors';

/**
 * BullMQ custom backoff: exponential or fixed from the step's policy (job.opts.backoff.delay and
 * the kind in job.data-independent `backoffKind`), overridden by what the failed call said
 * (a rate limit's Retry-After arrives as StepError.retryAfterMs).
 */
export function stepBackoffStrategy(
  attemptsMade: number,
  _type: string | undefined,
  err: Error | undefined,
  job: { opts?: { backoff?: number | { delay?: number } } } | undefined,
): number {
  if (err instanceof StepError && err.retryAfterMs !== undefined) return Math.max(0, err.retryAfterMs);
  const retryAfter = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  if (typeof retryAfter === 'number') return Math.max(0, retryAfter);
  const backoff = job?.opts?.backoff;
  const base = typeof backoff === 'number' ? backoff : (backoff?.delay ?? 1000);
  // Exponential with full jitter on the upper half, capped at 10 minutes.
  const exp = Math.min(base * 2 ** Math.max(0, attemptsMade - 1), 600_000);
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}
