import { EgressDeniedError, EgressError, parseRetryAfter } from '@mockops/egress';
import { scrubText } from './redaction';
import { PermanentStepError, StepError, TransientStepError } from './step-errors';

/** The error codes a step type reports for HTTP answers and outbound-call failures (e.g. NOTIFY_…, HTTP_…). */
export interface HttpFailureCodes {
  rateLimited: string;
  unavailable: string;
  redirect: string;
  rejected: string;
  timeout: string;
  network: string;
  config: string;
  /** A response over the size cap: permanent with this code; absent, it counts as a network error. */
  tooLarge?: string;
}

/** A short, single-line excerpt of a response body for outputs and messages. */
export function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/**
 * Maps an HTTP answer the step does not accept to the step error the worker base understands: 5xx
 * and 408 are transient, 429 is transient and honours Retry-After, 3xx (with `redirectAdvice`) and
 * other 4xx are permanent.
 */
export function httpStatusFailure(
  what: string,
  res: { status: number; body: string; retryAfter: string | null },
  codes: HttpFailureCodes,
  redirectAdvice: string,
  now?: Date,
): StepError {
  const { status } = res;
  const detail = res.body ? `: ${res.body}` : '';
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(res.retryAfter, now);
    const when = retryAfterMs !== undefined ? ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)` : '';
    return new TransientStepError(`${what} answered 429 Too Many Requests${when}${detail}`, codes.rateLimited, retryAfterMs);
  }
  if (status >= 500 || status === 408) return new TransientStepError(`${what} answered ${status}${detail}`, codes.unavailable);
  if (status >= 300 && status < 400) return new PermanentStepError(`${what} answered ${status} (redirect); ${redirectAdvice}`, codes.redirect);
  return new PermanentStepError(`${what} answered ${status}${detail}`, codes.rejected);
}

/** Maps an egress failure (guard, timeout, network) to a step error, secrets scrubbed from its message. */
export function egressStepError(what: string, e: unknown, secrets: readonly string[], codes: HttpFailureCodes): Error {
  if (e instanceof StepError) return e;
  if (e instanceof EgressDeniedError) return new PermanentStepError(scrubText(e.message, secrets), 'EGRESS_DENIED');
  if (e instanceof EgressError) {
    const message = scrubText(`${what}: ${e.message}`, secrets);
    switch (e.code) {
      case 'EGRESS_TIMEOUT':
        return new TransientStepError(message, codes.timeout);
      case 'EGRESS_CONFIG':
      case 'EGRESS_INVALID_URL':
      case 'EGRESS_REDIRECT':
        return new PermanentStepError(message, codes.config);
      case 'EGRESS_TOO_LARGE':
        if (codes.tooLarge) return new PermanentStepError(message, codes.tooLarge);
        return new TransientStepError(message, codes.network);
      default:
        return new TransientStepError(message, codes.network);
    }
  }
  return new TransientStepError(scrubText(`${what}: ${(e as Error)?.message ?? String(e)}`, secrets), codes.network);
}
