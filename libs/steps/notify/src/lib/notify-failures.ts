import { EgressDeniedError, EgressError, parseRetryAfter } from '@mockops/egress';
import { PermanentStepError, StepError, TransientStepError, scrubText as scrub } from '@mockops/worker-kit';

// Defined once in egress (http_request reads Retry-After too).
export { parseRetryAfter };

/** A short, single-line excerpt of a response body for outputs and messages. */
export function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/**
 * Maps a non-2xx HTTP answer to the step error the worker base understands: 5xx and 408 are
 * transient, 429 is transient and honours Retry-After, 3xx and other 4xx are permanent.
 */
export function httpFailure(what: string, status: number, body: string, retryAfter: string | null, now?: Date): StepError {
  const detail = body ? `: ${body}` : '';
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    const when = retryAfterMs !== undefined ? ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)` : '';
    return new TransientStepError(`${what} answered 429 Too Many Requests${when}${detail}`, 'NOTIFY_RATE_LIMITED', retryAfterMs);
  }
  if (status >= 500 || status === 408) return new TransientStepError(`${what} answered ${status}${detail}`, 'NOTIFY_HTTP_UNAVAILABLE');
  if (status >= 300 && status < 400) {
    return new PermanentStepError(`${what} answered ${status} (redirect); redirects are not followed, configure the final URL`, 'NOTIFY_HTTP_REDIRECT');
  }
  return new PermanentStepError(`${what} answered ${status}${detail}`, 'NOTIFY_HTTP_REJECTED');
}

/** Maps an egress failure (guard, timeout, network) to a step error. */
export function egressFailure(what: string, e: unknown, secrets: readonly string[]): Error {
  if (e instanceof StepError) return e;
  if (e instanceof EgressDeniedError) return new PermanentStepError(scrub(e.message, secrets), 'EGRESS_DENIED');
  if (e instanceof EgressError) {
    const message = scrub(`${what}: ${e.message}`, secrets);
    switch (e.code) {
      case 'EGRESS_TIMEOUT':
        return new TransientStepError(message, 'NOTIFY_TIMEOUT');
      case 'EGRESS_CONFIG':
      case 'EGRESS_INVALID_URL':
      case 'EGRESS_REDIRECT':
        return new PermanentStepError(message, 'NOTIFY_CONFIG_INVALID');
      default:
        return new TransientStepError(message, 'NOTIFY_NETWORK');
    }
  }
  return new TransientStepError(scrub(`${what}: ${(e as Error)?.message ?? String(e)}`, secrets), 'NOTIFY_NETWORK');
}
