import {
  HTTP_REQUEST_DEFAULT_MAX_RESPONSE_BYTES,
  HTTP_REQUEST_DEFAULT_RESPONSE_HEADERS,
  HTTP_REQUEST_DEFAULT_TIMEOUT_SECONDS,
  parseExpectStatus,
  type HttpMethod,
  type StatusRange,
  type StepConfigByType,
} from '@mockops/pipeline-core';

/** The config as written in the pipeline (and checked, rendered, by the worker base). */
export type HttpRequestConfig = StepConfigByType['http_request'];

/** The config as the handler uses it: defaults applied, the body as bytes to send. */
export interface ValidHttpRequestConfig {
  url: string;
  method: HttpMethod;
  /** Plain headers, then the secret ones (a secret header wins over a plain one of the same name). */
  headers: Record<string, string>;
  /** The values of secret_headers: never in an output, log line or error. */
  secretValues: string[];
  /** The names of secret_headers: credentials for the URL's origin only, dropped on a redirect elsewhere. */
  secretHeaderNames: string[];
  /** The raw body, and the content-type it implies unless the headers set one. */
  body?: { text: string; contentType: string };
  timeoutMs: number;
  expectStatus: StatusRange[];
  followRedirects: boolean;
  signingSecret?: string;
  /** Lower-cased names. */
  responseHeaders: string[];
  maxResponseBytes: number;
}

/**
 * Normalizes an http_request config that pipeline-core's schema has checked (the worker base checks
 * the rendered config before the handler runs): the method (GET, or POST with a body), the body as
 * text (a mapping or list as JSON), the defaults.
 */
export function normalizeHttpRequestConfig(c: HttpRequestConfig): ValidHttpRequestConfig {
  const body =
    c.body === undefined || c.body === null
      ? undefined
      : typeof c.body === 'string'
        ? { text: c.body, contentType: 'text/plain; charset=utf-8' }
        : { text: JSON.stringify(c.body), contentType: 'application/json' };
  const headers: Record<string, string> = {};
  const set = (name: string, value: string) => {
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    headers[name] = value;
  };
  for (const [name, value] of Object.entries(c.headers ?? {})) set(name, String(value));
  const secretHeaders = c.secret_headers ?? {};
  for (const [name, value] of Object.entries(secretHeaders)) set(name, String(value));
  const responseHeaders = c.response_headers === undefined ? [...HTTP_REQUEST_DEFAULT_RESPONSE_HEADERS] : (c.response_headers as string[]);
  return {
    url: c.url,
    method: (c.method as HttpMethod | undefined) ?? (body ? 'POST' : 'GET'),
    headers,
    secretValues: Object.values(secretHeaders).map(String).filter(Boolean),
    secretHeaderNames: Object.keys(secretHeaders),
    body,
    timeoutMs: Math.round(Number(c.timeout_seconds ?? HTTP_REQUEST_DEFAULT_TIMEOUT_SECONDS) * 1000),
    expectStatus: parseExpectStatus(c.expect_status),
    followRedirects: c.follow_redirects === undefined ? true : c.follow_redirects === true,
    signingSecret: c.signing_secret || undefined,
    responseHeaders: [...new Set(responseHeaders.map((h) => h.trim().toLowerCase()).filter(Boolean))],
    maxResponseBytes: Number(c.max_response_bytes ?? HTTP_REQUEST_DEFAULT_MAX_RESPONSE_BYTES),
  };
}
