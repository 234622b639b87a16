import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { type SpecServer, startSpecServer, TEST_CREDENTIALS } from './spec-server';

/** The test server is the check the generated clients are run against: it must refuse what the description does not allow. */
const EXAMPLES = join(resolve(__dirname, '../../../..'), 'node_modules/@readme/oas-examples');
const petstore = (v: '2.0' | '3.0') => JSON.parse(readFileSync(join(EXAMPLES, v, 'json/petstore.json'), 'utf8')) as Record<string, unknown>;

describe('spec server', () => {
  let server: SpecServer;

  afterEach(async () => {
    await server?.close();
  });

  it.each(['2.0', '3.0'] as const)('answers valid requests to petstore %s with schema-valid samples and records the exchange', async (v) => {
    server = await startSpecServer(petstore(v));
    const base = server.baseUrl;
    const res = await fetch(`${base}/pet/findByStatus?status=available&status=sold`, { headers: { authorization: `Bearer ${TEST_CREDENTIALS.token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { name: string; photoUrls: string[] }[];
    expect(body[0]).toMatchObject({ name: 'doggie', photoUrls: [expect.any(String)] });
    expect(server.failures).toEqual([]);
    expect(server.exchanges).toMatchObject([{ method: 'GET', url: '/pet/findByStatus?status=available&status=sold', status: 200, response: body }]);
  });

  it('refuses parameters, bodies, content types, credentials and routes the description does not allow', async () => {
    server = await startSpecServer(petstore('3.0'));
    const auth = { authorization: `Bearer ${TEST_CREDENTIALS.token}` };
    const calls: [string, string, RequestInit][] = [
      ['unknown enum value', '/pet/findByStatus?status=lost', { headers: auth }],
      ['unknown query parameter', '/pet/findByStatus?status=sold&color=red', { headers: auth }],
      ['path parameter of the wrong type', '/pet/abc', { headers: { api_key: TEST_CREDENTIALS.apiKey } }],
      ['wrong API key', '/pet/1', { headers: { api_key: 'nope' } }],
      ['missing credentials', '/store/inventory', {}],
      ['body missing a required property', '/pet', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Rex' }) }],
      ['body of the wrong content type', '/pet', { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'Rex' }],
      ['undocumented route', '/pets', {}],
    ];
    for (const [, path, init] of calls) await fetch(server.baseUrl + path, init);
    expect(server.failures.map((f) => [f.phase, f.status])).toEqual([
      ['request', 400],
      ['request', 400],
      ['request', 400],
      ['security', 401],
      ['security', 401],
      ['request', 400],
      ['request', 415],
      ['route', 404],
    ]);
  });

  it('accepts an API key in the query when it is one of several schemes of a requirement', async () => {
    const doc = load(readFileSync(join(EXAMPLES, '3.0/json/security-multiple.json'), 'utf8')) as Record<string, unknown>;
    server = await startSpecServer(doc);
    const res = await fetch(`${server.baseUrl}/anything/many-and-or?apiKey=${TEST_CREDENTIALS.apiKey}`, { method: 'POST', headers: { 'x-api-key': TEST_CREDENTIALS.apiKey, cookie: `api_key=${TEST_CREDENTIALS.apiKey}` } });
    expect(res.status).toBe(200);
    expect(server.failures).toEqual([]);
  });
});
