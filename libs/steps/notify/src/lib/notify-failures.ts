import { parseRetryAfter } from '@mockops/egress';
import { egressStepError, excerpt, httpStatusFailure, type HttpFailureCodes, type StepError } from '@mockops/worker-kit';

// Defined once (egress, worker-kit): http_request maps answers and failures the same way.
export { excerpt, parseRetryAfter };

const NOTIFY_CODES: HttpFailureCodes = {
  rateLimited: 'NOTIFY_RATE_LIMITED',
  unavailable: 'NOTIFY_HTTP_UNAVAILABLE',
  redirect: 'NOTIFY_HTTP_REDIRECT',
  rejected: 'NOTIFY_HTTP_REJECTED',
  timeout: 'NOTIFY_TIMEOUT',
  network: 'NOTIFY_NETWORK',
  config: 'NOTIFY_CONFIG_INVALID',
};

/**
 * Maps a non-2xx HTTP answer to the step error the worker base understands: 5xx and 408 are
 * transient, 429 is transient and honours Retry-After, 3xx and other 4xx are permanent.
 */
export function httpFailure(what: string, status: number, body: string, retryAfter: string | null, now?: Date): StepError {
  return httpStatusFailure(what, { status, body, retryAfter }, NOTIFY_CODES, 'redirects are not followed, configure the final URL', now);
}

/** Maps an egress failure (guard, timeout, network) to a step error. */
export function egressFailure(what: string, e: unknown, secrets: readonly string[]): Error {
  return egressStepError(what, e, secrets, NOTIFY_CODES);
}
