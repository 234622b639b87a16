// What the create_pr handler needs from its GitHub client without loading it (Octokit is imported on
// the step's first run, see ./github-client).
import type { EgressAllowList, EgressResolver } from '@mockops/egress';

export interface EgressOptions {
  /** Allow list for the SSRF guard (MOCKOPS_EGRESS_ALLOW); none: no private address. */
  allow?: EgressAllowList | string;
  resolver?: EgressResolver;
}

export interface GithubClientPolicy {
  /** Retries of a 5xx/network failure inside one step attempt (plugin-retry). Default 2. */
  serverErrorRetries: number;
  /** Rate-limit waits the throttling plugin may do inside one step attempt. Default 2. */
  rateLimitRetries: number;
  /** A rate limit asking for a longer wait is handed back to the step's retry policy instead. Default 60 s. */
  maxRateLimitWaitSeconds: number;
  /** Spacing of write calls per token, GitHub's advice against secondary rate limits. Default 1000 ms. */
  writeMinTimeMs: number;
  /** Spacing of calls that notify people (opening a PR), per token; the plugin's default 3000 ms. */
  notificationMinTimeMs: number;
  /** Multiplier for waits the plugins compute in seconds. Default 1000 (tests shrink it). */
  retryAfterBaseMs: number;
  /** Per HTTP exchange. Default 30 s. */
  requestTimeoutMs: number;
}

export const DEFAULT_GITHUB_CLIENT_POLICY: GithubClientPolicy = {
  serverErrorRetries: 2,
  rateLimitRetries: 2,
  maxRateLimitWaitSeconds: 60,
  writeMinTimeMs: 1000,
  notificationMinTimeMs: 3000,
  retryAfterBaseMs: 1000,
  requestTimeoutMs: 30_000,
};

export interface GithubClientOptions {
  baseUrl: string;
  token: string;
  userAgent: string;
  policy: GithubClientPolicy;
  egress?: EgressOptions;
  signal?: AbortSignal;
  log: (line: string) => void;
}
