import { EgressAllowList, SIGNATURE_HEADER, TIMESTAMP_HEADER, egressFetch, maskUrl, signWebhookBody, type EgressResolver } from '@mockops/egress';
import { statusExpected } from '@mockops/pipeline-core';
import {
  egressStepError,
  excerpt,
  httpStatusFailure,
  scrubText,
  type HttpFailureCodes,
  type StepHandler,
  type StepResult,
  type StepRunContext,
} from '@mockops/worker-kit';
import { normalizeHttpRequestConfig, type HttpRequestConfig, type ValidHttpRequestConfig } from './http-request-config';

/** What the http_request step needs, given by whoever builds it (the runtime, from the config's sections). */
export interface HttpRequestDeps {
  /** Private hosts/addresses outbound calls may reach (MOCKOPS_EGRESS_ALLOW); default none. */
  egressAllow?: EgressAllowList;
  /** DNS for outbound calls (tests). Default: the system resolver. */
  resolver?: EgressResolver;
  now?: () => Date;
  /** Characters of the response body kept in outputs.body. Default 64 KiB. */
  bodyOutputChars?: number;
}

export const HTTP_REQUEST_BODY_OUTPUT_CHARS = 64 * 1024;

/** Outputs of a successful call: what the following steps' templates read. */
export interface HttpRequestOutputs extends Record<string, unknown> {
  status: number;
  /** The selected response headers (response_headers), lower-cased names. */
  headers: Record<string, string>;
  /** The body as text, at most bodyOutputChars characters. */
  body: string;
  body_truncated: boolean;
  /** The body parsed, when the response says it is JSON and it parses. */
  json?: unknown;
}

/** Error codes of the step's failures (the mapping is worker-kit's, shared with notify). */
export const HTTP_REQUEST_FAILURE_CODES: HttpFailureCodes = {
  rateLimited: 'HTTP_RATE_LIMITED',
  unavailable: 'HTTP_UNAVAILABLE',
  redirect: 'HTTP_REDIRECT',
  rejected: 'HTTP_REJECTED',
  timeout: 'HTTP_TIMEOUT',
  network: 'HTTP_NETWORK',
  config: 'HTTP_CONFIG_INVALID',
  tooLarge: 'HTTP_RESPONSE_TOO_LARGE',
};

// Set by the step; the config's headers cannot replace them (the receiver relies on them).
const RESERVED = new Set(['content-length', 'host', 'transfer-encoding', 'connection', SIGNATURE_HEADER.toLowerCase(), TIMESTAMP_HEADER.toLowerCase()]);

/**
 * The `http_request` step: one HTTP call to a URL the pipeline names. It goes through the egress guard
 * (public addresses only unless allow-listed, checked at connect time and on every redirect), carries
 * an Idempotency-Key stable across retries and, with a signing secret, the same HMAC signature as a
 * notify webhook. 5xx, 408, 429 and network errors are retried (429 after its Retry-After); any other
 * status outside expect_status fails the step for good.
 */
export function createHttpRequestHandler(deps: HttpRequestDeps = {}): StepHandler<HttpRequestConfig> {
  const allow = deps.egressAllow ?? EgressAllowList.empty();
  const now = deps.now ?? (() => new Date());
  const bodyChars = deps.bodyOutputChars ?? HTTP_REQUEST_BODY_OUTPUT_CHARS;
  return {
    stepType: 'http_request',
    async run(ctx: StepRunContext<HttpRequestConfig>): Promise<StepResult> {
      const config = normalizeHttpRequestConfig(ctx.config);
      const secrets = [...config.secretValues, ...(config.signingSecret ? [config.signingSecret] : [])];
      const masked = maskUrl(config.url);
      const what = `${config.method} ${masked}`;
      const headers = requestHeaders(config, ctx, now());

      ctx.log(`http_request: ${what}${config.signingSecret ? ' (signed)' : ''}, Idempotency-Key ${headers['Idempotency-Key'] ?? '(from headers)'}`);
      let res: Response;
      let raw: Buffer;
      try {
        res = await egressFetch(config.url, {
          method: config.method,
          headers,
          body: config.body?.text,
          timeoutMs: config.timeoutMs,
          signal: ctx.signal,
          allow,
          resolver: deps.resolver,
          redirect: config.followRedirects ? 'follow' : 'manual',
          maxResponseBytes: config.maxResponseBytes,
          originBoundHeaders: config.secretHeaderNames,
        });
        raw = Buffer.from(await res.arrayBuffer());
      } catch (e) {
        throw egressStepError(what, e, secrets, HTTP_REQUEST_FAILURE_CODES);
      }
      const text = raw.toString('utf8');
      ctx.log(`http_request: ${what} answered ${res.status} (${raw.length} bytes)`);
      if (!statusExpected(res.status, config.expectStatus)) {
        // 5xx, 408 and 429 (after its Retry-After) are retried; any other status is final.
        const answer = { status: res.status, body: scrubText(excerpt(text, 500), secrets), retryAfter: res.headers.get('retry-after') };
        throw httpStatusFailure(what, answer, HTTP_REQUEST_FAILURE_CODES, 'follow_redirects is false: follow it, or add it to expect_status', now());
      }
      const outputs: HttpRequestOutputs = {
        status: res.status,
        headers: selectedHeaders(res.headers, config.responseHeaders),
        body: text.length > bodyChars ? text.slice(0, bodyChars) : text,
        body_truncated: text.length > bodyChars,
      };
      if (isJson(res.headers.get('content-type'))) {
        try {
          outputs.json = JSON.parse(text);
        } catch {
          ctx.log('http_request: the response says JSON but does not parse; outputs.json is left out');
        }
      }
      return { outputs };
    },
  };
}

function requestHeaders(config: ValidHttpRequestConfig, ctx: StepRunContext<unknown>, at: Date): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers)) if (!RESERVED.has(name.toLowerCase())) headers[name] = value;
  const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
  if (config.body && !has('content-type')) headers['content-type'] = config.body.contentType;
  if (!has('user-agent')) headers['user-agent'] = 'MockOps-Pipelines';
  // The same key on every attempt of this step run, so a receiver can drop a retried duplicate; a
  // key the pipeline sets itself (e.g. from the event id) wins.
  if (!has('idempotency-key')) headers['Idempotency-Key'] = ctx.step.idempotencyKey;
  if (config.signingSecret) {
    headers[TIMESTAMP_HEADER] = String(Math.floor(at.getTime() / 1000));
    headers[SIGNATURE_HEADER] = signWebhookBody(config.body?.text ?? '', config.signingSecret);
  }
  return headers;
}

function selectedHeaders(headers: Headers, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

function isJson(contentType: string | null): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' || type.endsWith('+json');
}
