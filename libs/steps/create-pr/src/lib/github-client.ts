// The Octokit client of the create_pr step. Heavy (Octokit, its plugins, Bottleneck): the handler
// imports this module on its first run, never at boot (docs/performance.md, P7); what the handler
// needs at build time (the policy, its defaults) is in ./github-client-policy.
import { createHash } from 'node:crypto';
import Bottleneck from 'bottleneck';
import { egressFetch } from '@mockops/egress';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { GithubClientOptions } from './github-client-policy';

/** Octokit with GitHub's recommended retry (5xx) and throttling (rate limits, spaced writes) plugins. */
export const GithubOctokit = Octokit.plugin(retry, throttling);
export type GithubClient = InstanceType<typeof GithubOctokit>;

const limiterGroups = new Map<string, Bottleneck.Group>();

/** One limiter group per kind and spacing, shared by every client of the process, keyed by token below. */
function limiterGroup(kind: 'write' | 'notifications', minTime: number): Bottleneck.Group {
  const key = `${kind}:${minTime}`;
  let g = limiterGroups.get(key);
  if (!g) {
    g = new Bottleneck.Group({ maxConcurrent: 1, minTime });
    limiterGroups.set(key, g);
  }
  return g;
}

export function createGithubClient(o: GithubClientOptions): GithubClient {
  const { policy } = o;
  const onLimit = (kind: string) => (retryAfter: number, options: { method?: string; url?: string }, _octokit: unknown, retryCount: number) => {
    const retrying = retryCount < policy.rateLimitRetries && retryAfter <= policy.maxRateLimitWaitSeconds;
    o.log(
      `GitHub ${kind} on ${options.method} ${options.url}: ${retrying ? `waiting ${retryAfter}s and retrying` : 'giving up for this attempt'}`,
    );
    return retrying;
  };
  return new GithubOctokit({
    auth: o.token,
    baseUrl: o.baseUrl,
    userAgent: o.userAgent,
    // Octokit's warnings (deprecations) go to the step log; its per-request error lines would only repeat
    // what the step reports itself (and an expected 404 when probing a branch is not an error).
    log: { debug: () => undefined, info: () => undefined, warn: (m: string) => o.log(m), error: () => undefined },
    request: {
      signal: o.signal,
      fetch: (url: string, init: RequestInit) =>
        egressFetch(url, {
          method: init.method,
          headers: init.headers as Record<string, string>,
          body: init.body as string | undefined,
          signal: init.signal ?? undefined,
          timeoutMs: policy.requestTimeoutMs,
          allow: o.egress?.allow,
          resolver: o.egress?.resolver,
          redirect: 'follow',
          maxResponseBytes: 64 * 1024 * 1024,
        }),
    },
    retry: {
      retries: policy.serverErrorRetries,
      retryAfterBaseValue: policy.retryAfterBaseMs,
      // Rate limits (429) are the throttling plugin's job: it honours retry-after, plugin-retry would not.
      doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451],
    },
    throttle: {
      // Per token, so two pipelines with one token share GitHub's budget and unrelated tokens don't wait.
      id: createHash('sha256').update(o.token).digest('hex').slice(0, 16),
      write: limiterGroup('write', policy.writeMinTimeMs),
      notifications: limiterGroup('notifications', policy.notificationMinTimeMs),
      retryAfterBaseValue: policy.retryAfterBaseMs,
      onRateLimit: onLimit('rate limit'),
      onSecondaryRateLimit: onLimit('secondary rate limit'),
    },
  });
}
