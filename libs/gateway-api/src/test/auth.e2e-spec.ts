import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { configureGatewayApp } from '../lib/configure-gateway-app';
import { GatewayApiModule } from '../lib/gateway.module';
import { parseApiKeys } from '@mockops/config';
import type { GatewayModuleOptions } from '../lib/gateway.options';
import { startTestGateway, type TestGateway } from './gateway-harness';

// Booting migrates a fresh schema; on a busy shared machine that can take more than the default 5 s.
jest.setTimeout(60_000);

const API = '/api/v1';
const ADMIN = 'admin-key-0123456789';
const TEAM_A = 'team-a-key-0123456789';
const TEAM_AB = 'team-ab-key-0123456789';
const KEYS = `${ADMIN}:admin,${TEAM_A}:ws=ws-a,${TEAM_AB}:ws=ws-a|ws-b`;

function pipeline(name: string, workspace_id?: string) {
  return {
    name,
    ...(workspace_id ? { workspace_id } : {}),
    definition: {
      triggers: [{ event: 'scenario.published' }],
      steps: [{ name: 'promote', step_type: 'auto_promote', config: { entity_type: 'scenario', entity_id: '{{event.scenario_id}}', from_environment: 'dev', to_environment: 'test' } }],
    },
  };
}

describe('gateway: API keys and workspace scoping', () => {
  let gw: TestGateway;
  const as = (key: string) => ({
    get: (path: string) => request(gw.url).get(`${API}${path}`).set('Authorization', `Bearer ${key}`),
    post: (path: string) => request(gw.url).post(`${API}${path}`).set('X-API-Key', key),
    put: (path: string) => request(gw.url).put(`${API}${path}`).set('X-API-Key', key),
    delete: (path: string) => request(gw.url).delete(`${API}${path}`).set('X-API-Key', key),
  });
  let foreignId: string;
  let ownId: string;

  beforeAll(async () => {
    gw = await startTestGateway({ apiKeys: KEYS });
    foreignId = (await as(ADMIN).post('/pipelines').send(pipeline('belongs-to-b', 'ws-b')).expect(201)).body.id;
    ownId = (await as(ADMIN).post('/pipelines').send(pipeline('belongs-to-a', 'ws-a')).expect(201)).body.id;
    await as(ADMIN).post('/pipelines').send(pipeline('global')).expect(201);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('refuses requests without a key or with a wrong one (401, error shape)', async () => {
    const missing = await request(gw.url).get(`${API}/pipelines`).expect(401);
    expect(missing.body).toEqual({ code: 'UNAUTHORIZED', message: expect.stringContaining('missing API key'), details: [] });
    const wrong = await request(gw.url).get(`${API}/pipelines`).set('Authorization', 'Bearer not-a-key-at-all').expect(401);
    expect(wrong.body.code).toBe('UNAUTHORIZED');
    // Probes stay open for the orchestrator.
    await request(gw.url).get('/healthz').expect(200);
  });

  it('an admin key sees every pipeline', async () => {
    const names = (await as(ADMIN).get('/pipelines').expect(200)).body.items.map((p: any) => p.name).sort();
    expect(names).toEqual(['belongs-to-a', 'belongs-to-b', 'global']);
  });

  it("a scoped key lists only its workspaces' pipelines", async () => {
    const names = (await as(TEAM_A).get('/pipelines').expect(200)).body.items.map((p: any) => p.name);
    expect(names).toEqual(['belongs-to-a']);
    expect((await as(TEAM_A).get('/pipelines?workspace_id=ws-b').expect(200)).body).toEqual({ items: [], next_cursor: null });
    const both = (await as(TEAM_AB).get('/pipelines').expect(200)).body.items.map((p: any) => p.name).sort();
    expect(both).toEqual(['belongs-to-a', 'belongs-to-b']);
  });

  it("a scoped key gets 404 for another workspace's pipeline, whatever it tries", async () => {
    await as(TEAM_A).get(`/pipelines/${ownId}`).expect(200);
    for (const res of [
      await as(TEAM_A).get(`/pipelines/${foreignId}`),
      await as(TEAM_A).post(`/pipelines/${foreignId}/disable`),
      await as(TEAM_A).put(`/pipelines/${foreignId}`).send(pipeline('belongs-to-b')),
      await as(TEAM_A).delete(`/pipelines/${foreignId}`),
      await as(TEAM_A).get(`/pipelines/${foreignId}/executions`),
      await as(TEAM_A).get(`/pipelines/${foreignId}/stats`),
      await as(TEAM_A).get(`/pipelines/${foreignId}/revisions`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    }
    const stillThere = (await as(ADMIN).get(`/pipelines/${foreignId}`).expect(200)).body;
    expect(stillThere).toMatchObject({ enabled: true, revision: 1 });
  });

  it('a scoped key creates in its only workspace by default and may not create elsewhere', async () => {
    const created = (await as(TEAM_A).post('/pipelines').send(pipeline('defaulted')).expect(201)).body;
    expect(created.workspace_id).toBe('ws-a');
    const forbidden = await as(TEAM_A).post('/pipelines').send(pipeline('sneaky', 'ws-b')).expect(403);
    expect(forbidden.body.code).toBe('FORBIDDEN');
    const ambiguous = await as(TEAM_AB).post('/pipelines').send(pipeline('which-one')).expect(400);
    expect(ambiguous.body.details[0]).toMatchObject({ path: 'workspace_id' });
    const chosen = await as(TEAM_AB).post('/pipelines?workspace_id=ws-b').set('Content-Type', 'application/yaml')
      .send('name: chosen\ndefinition:\n  triggers: [{event: schema.changed}]\n  steps:\n    - name: gen\n      step_type: regenerate_sdk\n      config: {languages: [rust]}\n')
      .expect(201);
    expect(chosen.body.workspace_id).toBe('ws-b');
  });

  it('a scoped key publishes events only for its workspaces', async () => {
    const ok = await as(TEAM_A).post('/events').send({ type: 'custom.thing', payload: {} }).expect(202);
    const [[, fields]] = await gw.redis.xrange(gw.stream, '-', '+', 'COUNT', 1000).then((entries) => entries.filter(([, f]) => f[1].includes(ok.body.id)));
    expect(JSON.parse(fields[1])).toMatchObject({ id: ok.body.id, workspace_id: 'ws-a' });
    const denied = await as(TEAM_A).post('/events').send({ type: 'custom.thing', workspace_id: 'ws-b', payload: {} }).expect(403);
    expect(denied.body.code).toBe('FORBIDDEN');
  });
});

describe('gateway: rate limiting', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ apiKeys: `${ADMIN}:admin,${TEAM_A}:ws=ws-a`, rateLimit: { limit: 3, windowMs: 60_000 } });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers 429 in the error shape once a key used its budget, per key', async () => {
    for (let i = 0; i < 3; i++) await request(gw.url).get(`${API}/pipelines`).set('X-API-Key', ADMIN).expect(200);
    const limited = await request(gw.url).get(`${API}/pipelines`).set('X-API-Key', ADMIN).expect(429);
    expect(limited.body).toEqual({ code: 'RATE_LIMITED', message: expect.any(String), details: [] });
    await request(gw.url).get(`${API}/pipelines`).set('X-API-Key', TEAM_A).expect(200);
  });
});

describe('gateway: boot safety', () => {
  async function boot(apiKeys: string | undefined, host: string) {
    const options: GatewayModuleOptions = {
      store: {} as GatewayModuleOptions['store'],
      publisher: { publishEnvelope: async () => ({ id: 'x', entryId: null, duplicate: true }) },
      notifier: { notify: async () => undefined },
      apiKeys: parseApiKeys(apiKeys),
    };
    @Module({ imports: [GatewayApiModule.forRoot(options)] })
    class BootModule {}
    const app = await NestFactory.create(BootModule, { bodyParser: false, logger: false, abortOnError: false });
    try {
      configureGatewayApp(app, { host, docs: false });
    } finally {
      await app.close();
    }
  }

  it('refuses to serve without keys on a non-loopback address', async () => {
    await expect(boot(undefined, '0.0.0.0')).rejects.toThrow(/refusing to serve without API keys on 0\.0\.0\.0/);
  });

  it('serves without keys on loopback, and with keys anywhere', async () => {
    await expect(boot(undefined, '127.0.0.1')).resolves.toBeUndefined();
    await expect(boot(`${ADMIN}:admin`, '0.0.0.0')).resolves.toBeUndefined();
  });

  it('refuses a malformed MOCKOPS_API_KEYS at boot', async () => {
    await expect(boot('short:admin', '127.0.0.1')).rejects.toThrow(/MOCKOPS_API_KEYS is invalid/);
  });
});
