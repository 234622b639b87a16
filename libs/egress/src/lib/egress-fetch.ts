import * as http from 'node:http';
import * as https from 'node:https';
import { EgressAllowList, normaliseHost } from './egress-allow';
import { EgressError } from './egress-errors';
import {
  assertAddressAllowed,
  checkUrlShape,
  createGuardedLookup,
  EgressResolver,
  resolveAllowList,
} from './egress-guard';
import { parseIp } from './ip-address';
import { maskUrl } from './mask-url';

export interface EgressFetchInit {
  method?: string;
  headers?: ConstructorParameters<typeof Headers>[0];
  body?: string | Uint8Array | null;
  signal?: AbortSignal;
  /** Whole exchange including redirects and reading the body. Default 30 s. */
  timeoutMs?: number;
  /** Default: MOCKOPS_EGRESS_ALLOW from the environment. */
  allow?: EgressAllowList | string;
  /** `follow` (default) re-checks every hop against the guard; `manual` returns the 3xx; `error` throws. */
  redirect?: 'follow' | 'manual' | 'error';
  /** Default 5. */
  maxRedirects?: number;
  /** The response body is buffered; a bigger one fails with EGRESS_TOO_LARGE. Default 5 MiB. */
  maxResponseBytes?: number;
  /**
   * More headers that carry credentials (e.g. an API key header), dropped like Authorization and
   * Cookie when a redirect leaves the origin.
   */
  originBoundHeaders?: readonly string[];
  resolver?: EgressResolver;
}

interface RawResponse {
  status: number;
  statusText: string;
  headers: Headers;
  body: Buffer;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Dropped when a redirect leaves the origin, as fetch does, so credentials do not follow to another host.
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * `fetch` for calls a pipeline author controls: only http(s), only to public addresses unless
 * allow-listed, checked at connect time (DNS rebinding) and on every redirect. Errors never contain
 * the URL's path, query or credentials.
 */
export async function egressFetch(url: string | URL, init: EgressFetchInit = {}): Promise<Response> {
  const allow = resolveAllowList(init.allow);
  const lookup = createGuardedLookup(allow, init.resolver);
  const timeoutMs = init.timeoutMs ?? 30_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  const maxRedirects = init.maxRedirects ?? 5;
  const maxBytes = init.maxResponseBytes ?? 5 * 1024 * 1024;

  let current = checkUrlShape(url);
  let method = (init.method ?? 'GET').toUpperCase();
  const headers = new Headers(init.headers);
  const originBound = [...ORIGIN_BOUND_HEADERS, ...(init.originBoundHeaders ?? [])];
  let body: Buffer | undefined = init.body == null ? undefined : Buffer.from(init.body);

  for (let hop = 0; ; hop++) {
    const host = normaliseHost(current.hostname);
    // net skips the lookup hook for IP literals, so check them here before any socket opens.
    if (parseIp(host)) assertAddressAllowed(host, host, allow);
    let res: RawResponse;
    try {
      res = await requestOnce(current, method, headers, body, lookup, signal, maxBytes);
    } catch (e) {
      throw toEgressError(e, current, timeoutMs, timeout, init.signal);
    }
    const location = res.headers.get('location');
    if (!REDIRECTS.has(res.status) || !location || init.redirect === 'manual') return toResponse(res);
    if (init.redirect === 'error') {
      throw new EgressError(`${maskUrl(current)} answered ${res.status} redirect; redirects are not followed`, 'EGRESS_REDIRECT');
    }
    if (hop >= maxRedirects) throw new EgressError(`more than ${maxRedirects} redirects from ${maskUrl(url)}`, 'EGRESS_REDIRECT');
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new EgressError(`${maskUrl(current)} redirected to an invalid URL`, 'EGRESS_REDIRECT');
    }
    next = checkUrlShape(next);
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      for (const h of ['content-type', 'content-length', 'content-encoding']) headers.delete(h);
    }
    if (next.origin !== current.origin) for (const h of originBound) headers.delete(h);
    current = next;
  }
}

function requestOnce(
  url: URL,
  method: string,
  headers: Headers,
  body: Buffer | undefined,
  lookup: ReturnType<typeof createGuardedLookup>,
  signal: AbortSignal,
  maxBytes: number,
): Promise<RawResponse> {
  const outgoing: Record<string, string> = {};
  headers.forEach((value, key) => (outgoing[key] = value));
  if (body) outgoing['content-length'] = String(body.length);
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise<RawResponse>((resolve, reject) => {
    const req = mod.request(url, { method, headers: outgoing, lookup, agent: false, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          res.destroy();
          reject(new EgressError(`response from ${maskUrl(url)} exceeds ${maxBytes} bytes`, 'EGRESS_TOO_LARGE'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => {
        const h = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) h.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: h, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function toResponse(res: RawResponse): Response {
  // The Response constructor refuses a body on null-body statuses.
  const nullBody = res.status === 204 || res.status === 205 || res.status === 304 || res.body.length === 0;
  return new Response(nullBody ? null : res.body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

function toEgressError(e: unknown, url: URL, timeoutMs: number, timeout: AbortSignal, callerSignal?: AbortSignal): Error {
  if (e instanceof EgressError) return e;
  if (timeout.aborted) return new EgressError(`request to ${maskUrl(url)} timed out after ${timeoutMs} ms`, 'EGRESS_TIMEOUT', { cause: e });
  if (callerSignal?.aborted) return new EgressError(`request to ${maskUrl(url)} was aborted`, 'EGRESS_ABORTED', { cause: e });
  const err = e as NodeJS.ErrnoException;
  return new EgressError(`request to ${maskUrl(url)} failed: ${err.code ?? err.message}`, 'EGRESS_NETWORK', { cause: e });
}
