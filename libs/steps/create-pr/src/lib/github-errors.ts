import { EgressDeniedError, EgressError } from '@mockops/egress';
import { PermanentStepError, StepError, TransientStepError } from '@mockops/worker-kit';

/** The parts of Octokit's RequestError the mapping reads (kept structural so unit tests can build one). */
export interface GithubRequestErrorLike {
  name?: string;
  status?: number;
  message: string;
  cause?: unknown;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/** Fallback wait when GitHub says "rate limited" but not until when. */
export const DEFAULT_RATE_LIMIT_RETRY_MS = 60_000;

/**
 * Turns a failed GitHub call into an error a pipeline author can act on. `action` says what the step
 * was doing ("creating the pull request"), `repo` is `org/repo`. Never includes the token.
 */
export function toStepError(error: unknown, action: string, repo: string, now = Date.now()): StepError {
  if (error instanceof StepError) return error;
  const e = error as GithubRequestErrorLike;
  if (e?.name === 'AbortError') {
    return new TransientStepError(`GitHub request aborted while ${action} (step timeout or shutdown)`, 'GITHUB_ABORTED');
  }
  const cause = e?.cause;
  if (cause instanceof EgressDeniedError) return new PermanentStepError(cause.message, 'EGRESS_DENIED');
  if (cause instanceof EgressError) {
    return new TransientStepError(`GitHub API unreachable while ${action}: ${cause.message}`, 'GITHUB_UNREACHABLE');
  }
  const status = typeof e?.status === 'number' ? e.status : undefined;
  if (status === undefined) {
    return new TransientStepError(`GitHub call failed while ${action}: ${e?.message ?? String(error)}`, 'GITHUB_ERROR');
  }
  const headers = lowerCaseHeaders(e.response?.headers);
  const message = githubMessage(e);
  const rateLimited =
    status === 429 || (status === 403 && (headers['x-ratelimit-remaining'] === '0' || 'retry-after' in headers || /rate limit/i.test(message)));
  if (rateLimited) {
    const retryAfterMs = retryAfterFromHeaders(headers, now);
    return new TransientStepError(
      `GitHub rate limit hit while ${action} (${status}: ${message}); retry in ${Math.ceil(retryAfterMs / 1000)}s`,
      'GITHUB_RATE_LIMITED',
      retryAfterMs,
    );
  }
  if (status === 401) {
    return new PermanentStepError(
      `GitHub rejected the token (401) while ${action}: check GITHUB_TOKEN or the step's token secret (${message})`,
      'GITHUB_UNAUTHORIZED',
    );
  }
  if (status === 403 || status === 404) {
    return new PermanentStepError(
      `repository ${repo} not found or token lacks access (GitHub answered ${status} while ${action}: ${message})`,
      'GITHUB_NO_ACCESS',
    );
  }
  if (status === 409 || status === 422) {
    return new PermanentStepError(`GitHub refused ${action} in ${repo} (${status}): ${message}`, 'GITHUB_REJECTED');
  }
  if (status >= 500) {
    return new TransientStepError(`GitHub is unavailable (${status}) while ${action}: ${message}`, 'GITHUB_UNAVAILABLE');
  }
  return new PermanentStepError(`GitHub answered ${status} while ${action}: ${message}`, 'GITHUB_ERROR');
}

/** How long GitHub asks us to wait: `retry-after` seconds, else until `x-ratelimit-reset`, else a minute. */
export function retryAfterFromHeaders(headers: Record<string, string>, now = Date.now()): number {
  const retryAfter = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) {
    return Math.max(1000, retryAfter * 1000);
  }
  const reset = Number(headers['x-ratelimit-reset']);
  if (Number.isFinite(reset) && reset > 0) return Math.max(1000, reset * 1000 - now + 1000);
  return DEFAULT_RATE_LIMIT_RETRY_MS;
}

/** GitHub's own words: `message` plus the `errors[].message` details of a 422, without the docs link. */
export function githubMessage(e: GithubRequestErrorLike): string {
  const data = e.response?.data as { message?: unknown; errors?: unknown } | undefined;
  if (data && typeof data === 'object' && typeof data.message === 'string') {
    const details = Array.isArray(data.errors)
      ? data.errors
          .map((x) =>
            typeof x === 'string'
              ? x
              : x && typeof x === 'object'
                ? String((x as Record<string, unknown>).message ?? [(x as any).field, (x as any).code].filter(Boolean).join(' '))
                : '',
          )
          .filter(Boolean)
      : [];
    return details.length ? `${data.message}: ${details.join('; ')}` : data.message;
  }
  return e.message.replace(/ - https:\/\/docs\.github\.com\S*$/, '');
}

export function lowerCaseHeaders(headers: Record<string, string | number | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k.toLowerCase()] = String(v);
  return out;
}

export function statusOf(error: unknown): number | undefined {
  const s = (error as GithubRequestErrorLike)?.status;
  return typeof s === 'number' ? s : undefined;
}
