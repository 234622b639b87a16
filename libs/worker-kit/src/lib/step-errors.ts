/**
 * Errors a step handler throws. The worker base maps them to retry behaviour:
 * - PermanentStepError: fail now, never retried (bad config, 4xx, missing entity...).
 * - TransientStepError: retried with the step's backoff policy; `retryAfterMs` overrides the delay
 *   (e.g. a rate limit that says when to come back).
 * Any other error counts as transient.
 */
export class StepError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class PermanentStepError extends StepError {
  constructor(message: string, code = 'STEP_FAILED') {
    super(message, code, false);
  }
}

export class TransientStepError extends StepError {
  constructor(message: string, code = 'STEP_TRANSIENT', retryAfterMs?: number) {
    super(message, code, true, retryAfterMs);
  }
}
