import { normalizeHttpRequestConfig } from './http-request-config';

// What the schema refuses is tested with the schema in pipeline-core (step-types/http-request.spec.ts);
// this is what the handler does with a config that passed.
describe('normalizeHttpRequestConfig', () => {
  it('defaults: GET, 30 s, 2xx, redirects followed, 1 MiB, the default response headers', () => {
    expect(normalizeHttpRequestConfig({ url: 'https://h.test/x' })).toEqual({
      url: 'https://h.test/x',
      method: 'GET',
      headers: {},
      secretValues: [],
      secretHeaderNames: [],
      body: undefined,
      timeoutMs: 30_000,
      expectStatus: [{ from: 200, to: 299 }],
      followRedirects: true,
      signingSecret: undefined,
      responseHeaders: ['content-type', 'location', 'etag', 'retry-after', 'x-request-id'],
      maxResponseBytes: 1024 * 1024,
    });
  });

  it('a body makes it a POST; a mapping is sent as JSON, text as text', () => {
    expect(normalizeHttpRequestConfig({ url: 'https://h.test', body: { a: [1, 'b'] } })).toMatchObject({
      method: 'POST',
      body: { text: '{"a":[1,"b"]}', contentType: 'application/json' },
    });
    expect(normalizeHttpRequestConfig({ url: 'https://h.test', method: 'PUT', body: 'plain' })).toMatchObject({
      method: 'PUT',
      body: { text: 'plain', contentType: 'text/plain; charset=utf-8' },
    });
    expect(normalizeHttpRequestConfig({ url: 'https://h.test', body: [] }).body).toEqual({ text: '[]', contentType: 'application/json' });
  });

  it('merges the secret headers over the plain ones (any case), and keeps their values to scrub', () => {
    const c = normalizeHttpRequestConfig({
      url: 'https://h.test',
      headers: { authorization: 'none', Accept: 'application/json' },
      secret_headers: { Authorization: 'Bearer s3cr3t-value' },
      signing_secret: 'k3y',
    });
    expect(c.headers).toEqual({ Accept: 'application/json', Authorization: 'Bearer s3cr3t-value' });
    expect(c.secretValues).toEqual(['Bearer s3cr3t-value']);
    expect(c.signingSecret).toBe('k3y');
  });

  it('reads the timeout in seconds, expect_status, the flag and response header names lower-cased without repeats', () => {
    const c = normalizeHttpRequestConfig({
      url: 'https://h.test',
      timeout_seconds: 5,
      expect_status: ['2xx', 404],
      follow_redirects: false,
      response_headers: ['X-Rate', 'x-rate', ' ETag '],
      max_response_bytes: 10,
    });
    expect(c).toMatchObject({
      timeoutMs: 5000,
      expectStatus: [{ from: 200, to: 299 }, { from: 404, to: 404 }],
      followRedirects: false,
      responseHeaders: ['x-rate', 'etag'],
      maxResponseBytes: 10,
    });
  });
});
