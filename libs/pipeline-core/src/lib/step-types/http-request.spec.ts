import { DIAGNOSTIC_CODES } from '../diagnostics';
import { checkSecretAccess, secretUsage } from '../secret-usage';
import { TemplateRenderer } from '../template-renderer';
import { parseExpectStatus, statusExpected } from './http-request';
import { stepTypeDefinition } from './registry';

const definition = stepTypeDefinition('http_request')!;
const saved = (config: unknown) => definition.check(config, []).issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
const rendered = (config: unknown) => definition.check(config, [], { rendered: true });

describe('http_request: expect_status', () => {
  it('reads codes, classes, ranges and comma lists; absent means 2xx', () => {
    expect(parseExpectStatus(undefined)).toEqual([{ from: 200, to: 299 }]);
    expect(parseExpectStatus([200, '404'])).toEqual([{ from: 200, to: 200 }, { from: 404, to: 404 }]);
    expect(parseExpectStatus('2xx, 409')).toEqual([{ from: 200, to: 299 }, { from: 409, to: 409 }]);
    expect(parseExpectStatus('200-204')).toEqual([{ from: 200, to: 204 }]);
    const ranges = parseExpectStatus(['2XX', 404]);
    expect([200, 299, 404].map((s) => statusExpected(s, ranges))).toEqual([true, true, true]);
    expect([199, 300, 403, 500].map((s) => statusExpected(s, ranges))).toEqual([false, false, false, false]);
  });

  it('names what is not a status', () => {
    expect(() => parseExpectStatus('ok')).toThrow('"ok" is not a status');
    expect(() => parseExpectStatus(600)).toThrow('"600" is not a status');
    expect(() => parseExpectStatus('299-200')).toThrow('the range ends before it starts');
    expect(() => parseExpectStatus([])).toThrow('at least one status');
    expect(saved({ url: 'https://h.test', expect_status: ['2xx', 'ok'] })).toEqual(['expect_status: "ok" is not a status: write a code (204), a class (2xx) or a range (200-299)']);
  });
});

describe('http_request: the config schema', () => {
  it('accepts the documented example and templates where values are only known when rendered', () => {
    expect(saved(definition.spec.example)).toEqual([]);
    expect(saved({ url: '{{ event.payload.callback }}', method: '{{ event.payload.method }}', body: '{{ steps.build.outputs.json }}', timeout_seconds: '{{ event.payload.t }}' })).toEqual([]);
  });

  it('requires the URL and refuses unknown keys, bad methods, a body on GET and a literal secret header', () => {
    expect(saved({ method: 'GET' })).toEqual(['url: required']);
    expect(saved({ url: 'ftp://h.test' })).toEqual(['url: must be a http or https URL']);
    expect(saved({ url: 'https://h.test', method: 'FETCH' })).toEqual(['method: unknown method "FETCH"; expected one of GET, POST, PUT, PATCH, DELETE']);
    expect(saved({ url: 'https://h.test', verb: 'GET' })[0]).toMatch(/^verb: unknown key "verb"/);
    expect(saved({ url: 'https://h.test', method: 'GET', body: 'x' })).toEqual(['body: a GET request has no body: set method (POST, PUT...) or remove body']);
    const literal = definition.check({ url: 'https://h.test', secret_headers: { Authorization: 'Bearer abc123' } }, []).issues;
    expect(literal).toEqual([expect.objectContaining({ code: DIAGNOSTIC_CODES.literalSecret, message: expect.stringContaining('"Authorization": tokens must not be written in the pipeline') })]);
    expect(saved({ url: 'https://h.test', signing_secret: 'hunter2' })).toEqual(['signing_secret: tokens must not be written in the pipeline; use {{secrets.NAME}}']);
    expect(saved({ url: 'https://h.test', body: 42 })).toEqual(['body: must be text, or a mapping or list (sent as JSON)']);
  });

  it('checks the rendered config: coerced numbers and flags, a mapping body, secret header values as sent', () => {
    expect(rendered({ url: 'https://h.test/x', timeout_seconds: '5', follow_redirects: 'false', body: { a: 1 }, secret_headers: { Authorization: 'Bearer t0k3n' } })).toEqual({
      value: { url: 'https://h.test/x', timeout_seconds: 5, follow_redirects: false, body: { a: 1 }, secret_headers: { Authorization: 'Bearer t0k3n' } },
      issues: [],
    });
    expect(rendered({ url: 'https://h.test', secret_headers: { 'X-Key': 'a\r\nX-Evil: 1' } }).issues.map((i) => i.message)).toEqual(['"X-Key": a header value must not contain line breaks']);
    expect(rendered({ url: '{{ not rendered }}' }).issues.map((i) => i.message)).toEqual(['must be a URL; got "{{ not rendered }}"']);
  });

  it('declares its credential fields (masked, scrubbed, the only places a secret may go) and binds no operator credential', () => {
    expect(definition.credentialFields).toEqual(['secret_headers.*', 'signing_secret']);
    expect(definition.spec.boundCredentials).toBeUndefined();
    expect(definition.spec.retryPolicy).toBe('network');
  });
});

describe('http_request: where secrets may go', () => {
  const renderer = new TemplateRenderer();
  const operator = new Set(['GITHUB_TOKEN', 'WEBHOOK_SECRET', 'SLACK_WEBHOOK_URL', 'DEPLOY_TOKEN']);
  const global = { workspaceId: null, operatorSecretNames: operator, sharedWithWorkspace: new Set<string>() };

  it('only as the whole value of a secret header or the signing secret: not in the URL, a plain header or the body', () => {
    const { refs, problems } = secretUsage(
      'http_request',
      {
        url: 'https://h.test/?key={{ secrets.DEPLOY_TOKEN }}',
        headers: { 'X-Key': '{{ secrets.DEPLOY_TOKEN }}' },
        secret_headers: { Authorization: '{{ secrets.DEPLOY_TOKEN }}', 'X-Both': 'Bearer {{ secrets.DEPLOY_TOKEN }}' },
        body: { token: '{{ secrets.DEPLOY_TOKEN }}' },
        signing_secret: '{{ secrets.HOOK_KEY }}',
      },
      renderer,
    );
    expect(refs.map((r) => `${r.field}=${r.name}`)).toEqual(['secret_headers.Authorization=DEPLOY_TOKEN', 'signing_secret=HOOK_KEY']);
    expect(problems.map((p) => p.path.join('.'))).toEqual(['url', 'headers.X-Key', 'secret_headers.X-Both', 'body.token']);
  });

  it("refuses the operator's bound credentials toward any host it calls: they are bound to their own step type and field", () => {
    for (const [name, field] of [['GITHUB_TOKEN', 'secret_headers.Authorization'], ['WEBHOOK_SECRET', 'signing_secret'], ['SLACK_WEBHOOK_URL', 'secret_headers.X-Url']]) {
      expect(checkSecretAccess('http_request', { name, field }, global)).toMatchObject({ severity: 'error', code: 'SECRET_MISUSED' });
    }
    // A custom operator credential is the operator's choice to give (README, Secrets).
    expect(checkSecretAccess('http_request', { name: 'DEPLOY_TOKEN', field: 'secret_headers.Authorization' }, global)).toBeNull();
    // A workspace only sees the operator credentials shared with it.
    const workspace = { workspaceId: 'ws-1', workspaceSecretNames: new Set<string>(), operatorSecretNames: operator, sharedWithWorkspace: new Set<string>() };
    expect(checkSecretAccess('http_request', { name: 'DEPLOY_TOKEN', field: 'secret_headers.Authorization' }, workspace)).toMatchObject({ code: 'SECRET_NOT_ALLOWED' });
  });
});
