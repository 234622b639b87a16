import { EgressAllowList, verifyWebhookSignature, type EgressResolver } from '@mockops/egress';
import { buildStepRunContext, startHttpSink, type HttpSink } from '@mockops/testing';
import { PermanentStepError, StepError, TransientStepError } from '@mockops/worker-kit';
import type { HttpRequestConfig } from './http-request-config';
import { createHttpRequestHandler } from './http-request.handler';

async function rejection(run: Promise<unknown>): Promise<StepError> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StepError);
  return err as StepError;
}

// The peer listens on 127.0.0.1, which the egress guard refuses unless allow-listed.
const handler = createHttpRequestHandler({ egressAllow: EgressAllowList.parse('127.0.0.1'), now: () => new Date('2026-11-30T12:00:00Z') });
const ctxFor = (config: HttpRequestConfig, overrides: Parameters<typeof buildStepRunContext>[1] = {}) =>
  buildStepRunContext(config, { executionId: 'exec-42', stepName: 'call-api', ...overrides });

describe('http_request against a real HTTP server', () => {
  let peer: HttpSink;
  beforeEach(async () => (peer = await startHttpSink()));
  afterEach(() => peer.stop());

  it('GETs and outputs the status, the selected headers lower-cased, the body and its JSON', async () => {
    peer.respondWith([{ status: 200, headers: { 'X-Request-Id': 'req-7', 'X-Other': 'no', ETag: '"v1"' }, body: { id: 7, tags: ['a'] } }]);
    const result = await handler.run(ctxFor({ url: `${peer.url}/items/7?full=1` }));
    const [req] = peer.requests;
    expect({ method: req.method, path: req.path, body: req.text }).toEqual({ method: 'GET', path: '/items/7?full=1', body: '' });
    expect(req.headers['user-agent']).toBe('MockOps-Pipelines');
    expect(result.outputs).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json', etag: '"v1"', 'x-request-id': 'req-7' },
      body: '{"id":7,"tags":["a"]}',
      body_truncated: false,
      json: { id: 7, tags: ['a'] },
    });
  });

  it('POSTs a mapping body as JSON, signed as notify webhooks are (the peer verifies it), with the headers and an Idempotency-Key', async () => {
    const secret = 'whsec-7d1f0c';
    const ctx = ctxFor({
      url: `${peer.url}/hooks`,
      headers: { 'X-Team': 'api', 'X-MockOps-Signature': 'forged', 'Content-Length': '1' },
      secret_headers: { Authorization: 'Bearer tok-123456789' },
      body: { scenario: 'sc-1', version: 3 },
      signing_secret: secret,
    });
    const result = await handler.run(ctx);
    const [req] = peer.requests;
    expect(req.method).toBe('POST');
    expect(req.json).toEqual({ scenario: 'sc-1', version: 3 });
    expect(req.headers).toMatchObject({
      'content-type': 'application/json',
      'x-team': 'api',
      authorization: 'Bearer tok-123456789',
      'idempotency-key': 'exec-42:call-api',
      'x-mockops-timestamp': String(Date.parse('2026-11-30T12:00:00Z') / 1000),
    });
    expect(verifyWebhookSignature(req.rawBody, secret, req.headers['x-mockops-signature'] as string)).toBe(true);
    expect(verifyWebhookSignature(req.rawBody, 'another-key', req.headers['x-mockops-signature'] as string)).toBe(false);
    expect(result.outputs).toMatchObject({ status: 200, body: 'ok', body_truncated: false });
    expect(result.outputs.json).toBeUndefined();
    expect(ctx.logs.join('\n')).not.toContain('tok-123456789');
    expect(ctx.logs.join('\n')).not.toContain(secret);
  });

  it('sends the same Idempotency-Key on every attempt of a step run; a key the pipeline sets wins', async () => {
    await handler.run(ctxFor({ url: peer.url, method: 'PUT', body: 'x' }, { attempt: 1 }));
    await handler.run(ctxFor({ url: peer.url, method: 'PUT', body: 'x' }, { attempt: 3 }));
    await handler.run(ctxFor({ url: peer.url, method: 'DELETE', headers: { 'idempotency-key': 'evt-99' } }));
    expect(peer.requests.map((r) => [r.method, r.headers['idempotency-key'], r.headers['content-type']])).toEqual([
      ['PUT', 'exec-42:call-api', 'text/plain; charset=utf-8'],
      ['PUT', 'exec-42:call-api', 'text/plain; charset=utf-8'],
      ['DELETE', 'evt-99', undefined],
    ]);
  });

  it('retries 5xx, 408 and 429 (after its Retry-After); fails for good on another 4xx; a status in expect_status succeeds', async () => {
    peer.respondWith([{ status: 503, body: 'down' }, 408, { status: 429, headers: { 'retry-after': '7' } }, { status: 404, body: 'no such item' }, { status: 404, body: 'gone' }]);
    const unavailable = await rejection(handler.run(ctxFor({ url: peer.url })));
    expect(unavailable).toBeInstanceOf(TransientStepError);
    expect([unavailable.code, unavailable.message]).toEqual(['HTTP_UNAVAILABLE', `GET ${peer.url} answered 503: down`]);
    expect((await rejection(handler.run(ctxFor({ url: peer.url })))).code).toBe('HTTP_UNAVAILABLE');
    const limited = await rejection(handler.run(ctxFor({ url: peer.url })));
    expect([limited.code, limited.retryable, limited.retryAfterMs]).toEqual(['HTTP_RATE_LIMITED', true, 7000]);
    const rejected = await rejection(handler.run(ctxFor({ url: peer.url })));
    expect(rejected).toBeInstanceOf(PermanentStepError);
    expect([rejected.code, rejected.message]).toEqual(['HTTP_REJECTED', `GET ${peer.url} answered 404: no such item`]);
    const expected = await handler.run(ctxFor({ url: peer.url, expect_status: ['2xx', 404] }));
    expect(expected.outputs).toMatchObject({ status: 404, body: 'gone' });
  });

  it('follows redirects unless told not to; then a 3xx is the answer, or a failure when not expected', async () => {
    peer.respondWith((req) => (req.pathname === '/old' ? { status: 302, headers: { location: '/new' } } : { status: 200, body: `at ${req.pathname}` }));
    expect((await handler.run(ctxFor({ url: `${peer.url}/old` }))).outputs).toMatchObject({ status: 200, body: 'at /new' });
    const kept = await handler.run(ctxFor({ url: `${peer.url}/old`, follow_redirects: false, expect_status: '3xx' }));
    expect(kept.outputs).toMatchObject({ status: 302, headers: { location: '/new' } });
    const err = await rejection(handler.run(ctxFor({ url: `${peer.url}/old`, follow_redirects: false })));
    expect([err.code, err.retryable]).toEqual(['HTTP_REDIRECT', false]);
  });

  it('keeps secret headers to the URL\'s origin: a redirect to another origin gets the plain headers only', async () => {
    const other = await startHttpSink();
    try {
      peer.respondWith([{ status: 302, headers: { location: `${other.url}/landing` }, body: '' }]);
      other.respondWith([{ status: 200, body: 'ok' }]);
      await handler.run(ctxFor({ url: `${peer.url}/start`, headers: { 'X-Team': 'api' }, secret_headers: { 'X-Api-Key': 'key-5f2a9c', Authorization: 'Bearer tok-77' } }));
      expect(peer.requests[0].headers).toMatchObject({ 'x-api-key': 'key-5f2a9c', authorization: 'Bearer tok-77', 'x-team': 'api' });
      const [landed] = other.requests;
      expect(landed.path).toBe('/landing');
      expect(landed.headers['x-team']).toBe('api');
      expect(landed.headers['x-api-key']).toBeUndefined();
      expect(landed.headers['authorization']).toBeUndefined();
    } finally {
      await other.stop();
    }
  });

  it('caps the response: bigger than max_response_bytes fails for good; outputs.body keeps the first characters', async () => {
    peer.respondWith([{ status: 200, body: 'x'.repeat(5000) }, { status: 200, body: 'y'.repeat(5000) }]);
    const err = await rejection(handler.run(ctxFor({ url: peer.url, max_response_bytes: 4096 })));
    expect([err.code, err.retryable]).toEqual(['HTTP_RESPONSE_TOO_LARGE', false]);
    expect(err.message).toContain('exceeds 4096 bytes');
    const small = createHttpRequestHandler({ egressAllow: EgressAllowList.parse('127.0.0.1'), bodyOutputChars: 100 });
    const result = await small.run(ctxFor({ url: peer.url }));
    expect(result.outputs).toMatchObject({ status: 200, body: 'y'.repeat(100), body_truncated: true });
  });

  it('leaves json out when the JSON does not parse, and reads +json types', async () => {
    peer.respondWith([
      { status: 200, headers: { 'content-type': 'application/json' }, body: '{broken' },
      { status: 200, headers: { 'content-type': 'application/problem+json; charset=utf-8' }, body: '{"title":"x"}' },
    ]);
    const broken = ctxFor({ url: peer.url });
    expect((await handler.run(broken)).outputs.json).toBeUndefined();
    expect(broken.logs.join('\n')).toContain('does not parse');
    expect((await handler.run(ctxFor({ url: peer.url }))).outputs.json).toEqual({ title: 'x' });
  });

  it('times out as a retryable failure', async () => {
    peer.respondWith(() => new Promise(() => undefined));
    const err = await rejection(handler.run(ctxFor({ url: peer.url, timeout_seconds: 1 })));
    expect([err.code, err.retryable]).toEqual(['HTTP_TIMEOUT', true]);
  });

  it('keeps secret header values and the signing secret out of errors, even when the server echoes them', async () => {
    peer.respondWith((req) => ({ status: 400, body: `bad auth ${String(req.headers.authorization)}` }));
    const err = await rejection(handler.run(ctxFor({ url: peer.url, secret_headers: { Authorization: 'Bearer tok-ABCDEFGH' } })));
    expect(err.message).toContain('bad auth');
    expect(err.message).not.toContain('tok-ABCDEFGH');
  });
});

describe('http_request: the egress guard', () => {
  let peer: HttpSink;
  beforeAll(async () => (peer = await startHttpSink()));
  afterAll(() => peer.stop());

  it('refuses a private address that is not allow-listed, before any connection, for good', async () => {
    const guarded = createHttpRequestHandler();
    const err = await rejection(guarded.run(ctxFor({ url: `${peer.url}/internal`, secret_headers: { Authorization: 'Bearer tok-987654321' } })));
    expect(err).toBeInstanceOf(PermanentStepError);
    expect(err.code).toBe('EGRESS_DENIED');
    expect(err.message).toMatch(/127\.0\.0\.1/);
    // The cloud metadata address, by literal and by a name that resolves to it.
    const metadata = await rejection(guarded.run(ctxFor({ url: 'http://169.254.169.254/latest/meta-data/' })));
    expect(metadata.code).toBe('EGRESS_DENIED');
    const byName = createHttpRequestHandler({ resolver: async () => [{ address: '10.0.0.5', family: 4 }] });
    expect((await rejection(byName.run(ctxFor({ url: 'http://innocent.example.test/' })))).code).toBe('EGRESS_DENIED');
    expect(peer.requests).toHaveLength(0);
  });

  it('checks every redirect hop: an allowed host cannot bounce the call to a private one', async () => {
    // Only "public.test" (resolved to the peer) is allowed; the peer redirects to 127.0.0.1 by address.
    const resolver: EgressResolver = async (host) => (host === 'public.test' ? [{ address: '127.0.0.1', family: 4 }] : []);
    const onlyName = createHttpRequestHandler({ egressAllow: EgressAllowList.parse('public.test'), resolver });
    peer.respondWith((req) => (req.pathname === '/start' ? { status: 307, headers: { location: `${peer.url}/admin` } } : 200));
    const err = await rejection(onlyName.run(ctxFor({ url: `http://public.test:${peer.port}/start` })));
    expect(err.code).toBe('EGRESS_DENIED');
    expect(peer.requests.map((r) => r.pathname)).toEqual(['/start']);
  });
});
