import request from 'supertest';
import { specExamples, startTestGateway, type TestGateway } from './gateway-harness';

// Booting migrates a fresh schema; on a busy shared machine that can take more than the default 5 s.
jest.setTimeout(60_000);

const API = '/api/v1';

/** A small valid pipeline, with what a test needs changed. */
function pipelineBody(name: string, overrides: Record<string, unknown> = {}) {
  return {
    name,
    definition: {
      enabled: true,
      triggers: [{ event: 'scenario.published', filters: { workspace_id: 'workspace-123' } }],
      steps: [{ name: 'notify_team', step_type: 'notify', config: { type: 'slack', channels: ['#devops'], message: 'hi {{event.scenario_name}}' } }],
    },
    ...overrides,
  };
}

function expectErrorShape(body: any, code: string) {
  expect(body).toEqual({ code, message: expect.any(String), details: expect.any(Array) });
  expect(body.message).not.toMatch(/at .*\.ts:\d+/);
}

describe('gateway: pipelines API', () => {
  let gw: TestGateway;
  const http = () => request(gw.url);

  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it.each(specExamples().map((e) => [e.file, e] as const))('creates the spec example %s from its YAML file', async (_file, example) => {
    const res = await http().post(`${API}/pipelines`).set('Content-Type', 'application/yaml').send(example.yaml).expect(201);
    expect(res.body).toMatchObject({ id: expect.any(String), name: example.name, enabled: true, revision: 1, workspace_id: null });
    expect(res.body.definition.steps.length).toBeGreaterThan(0);
    const got = await http().get(`${API}/pipelines/${res.body.id}`).expect(200);
    expect(got.body.name).toBe(example.name);
    expect(gw.changes).toContainEqual({ pipelineId: res.body.id, kind: 'created' });
    const revisions = await http().get(`${API}/pipelines/${res.body.id}/revisions`).expect(200);
    expect(revisions.body.items[0]).toMatchObject({ revision: 1, source_format: 'yaml', source_text: example.yaml });
  });

  it('creates from JSON with a workspace, lists, disables, enables, updates and deletes', async () => {
    const created = await http()
      .post(`${API}/pipelines`)
      .send(pipelineBody('lifecycle', { workspace_id: 'ws-life' }))
      .expect(201);
    const id = created.body.id;
    expect(created.body).toMatchObject({ name: 'lifecycle', workspace_id: 'ws-life', enabled: true, revision: 1 });

    const listed = await http().get(`${API}/pipelines?workspace_id=ws-life`).expect(200);
    expect(listed.body).toEqual({ items: [expect.objectContaining({ id, name: 'lifecycle' })], next_cursor: null });

    const disabled = await http().post(`${API}/pipelines/${id}/disable`).expect(200);
    expect(disabled.body).toMatchObject({ id, enabled: false, definition: expect.objectContaining({ enabled: false }) });
    expect((await http().get(`${API}/pipelines?workspace_id=ws-life&enabled=true`).expect(200)).body.items).toEqual([]);
    expect((await http().get(`${API}/pipelines?workspace_id=ws-life&enabled=false`).expect(200)).body.items).toHaveLength(1);
    await http().post(`${API}/pipelines/${id}/enable`).expect(200);
    expect((await http().get(`${API}/pipelines/${id}`).expect(200)).body.enabled).toBe(true);

    const yaml = `name: lifecycle\ndescription: second revision\ndefinition:\n  triggers:\n    - event: drift.threshold_exceeded\n  steps:\n    - name: tell\n      step_type: notify\n      config:\n        type: webhook\n        webhook_url: "https://hooks.example.test/x"\n        message: "drift on {{event.endpoint}}"\n`;
    const updated = await http().put(`${API}/pipelines/${id}`).set('Content-Type', 'text/yaml').send(yaml).expect(200);
    expect(updated.body).toMatchObject({ id, revision: 2, description: 'second revision', workspace_id: 'ws-life' });
    expect(updated.body.definition.triggers).toEqual([{ event: 'drift.threshold_exceeded' }]);
    const revisions = await http().get(`${API}/pipelines/${id}/revisions`).expect(200);
    expect(revisions.body.items.map((r: any) => r.revision)).toEqual([1, 2]);

    const stats = await http().get(`${API}/pipelines/${id}/stats`).expect(200);
    expect(stats.body).toMatchObject({ pipeline_id: id, total: 0, success_rate: null, p50_ms: null, last_run: null });

    await http().delete(`${API}/pipelines/${id}`).expect(204);
    const gone = await http().get(`${API}/pipelines/${id}`).expect(404);
    expectErrorShape(gone.body, 'NOT_FOUND');
    expect(gw.changes.filter((c) => c.pipelineId === id).map((c) => c.kind)).toEqual(['created', 'disabled', 'enabled', 'updated', 'deleted']);
  });

  it('pages through pipelines with next_cursor', async () => {
    for (const n of [1, 2, 3]) await http().post(`${API}/pipelines`).send(pipelineBody(`paged-${n}`, { workspace_id: 'ws-paging' })).expect(201);
    const first = await http().get(`${API}/pipelines?workspace_id=ws-paging&limit=2`).expect(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await http().get(`${API}/pipelines`).query({ workspace_id: 'ws-paging', limit: 2, cursor: first.body.next_cursor }).expect(200);
    expect(second.body.next_cursor).toBeNull();
    const names = [...first.body.items, ...second.body.items].map((p: any) => p.name).sort();
    expect(names).toEqual(['paged-1', 'paged-2', 'paged-3']);
  });

  it('answers 409 for a second pipeline of the same name in a workspace', async () => {
    await http().post(`${API}/pipelines`).send(pipelineBody('twice', { workspace_id: 'ws-dup' })).expect(201);
    const res = await http().post(`${API}/pipelines`).send(pipelineBody('twice', { workspace_id: 'ws-dup' })).expect(409);
    expectErrorShape(res.body, 'CONFLICT');
  });

  describe('bad input gets a clear 4xx in the one error shape', () => {
    it('malformed YAML: 400 with line and column', async () => {
      const res = await http()
        .post(`${API}/pipelines`)
        .set('Content-Type', 'application/yaml')
        .send('name: broken\ndefinition:\n  steps: [unclosed\n')
        .expect(400);
      expectErrorShape(res.body, 'VALIDATION_FAILED');
      expect(res.body.details[0]).toMatchObject({ line: expect.any(Number), column: expect.any(Number), code: 'YAML_SYNTAX' });
    });

    it('wrong types and an unknown step type: 400 naming each path, with positions for YAML', async () => {
      const yaml = 'name: typed\ndefinition:\n  enabled: "yes"\n  triggers:\n    - event: schema.changed\n  steps:\n    - name: s1\n      step_type: deploy_everything\n      config: {}\n';
      const res = await http().post(`${API}/pipelines`).set('Content-Type', 'application/yaml').send(yaml).expect(400);
      expectErrorShape(res.body, 'VALIDATION_FAILED');
      const byPath = Object.fromEntries(res.body.details.map((d: any) => [d.path, d]));
      expect(byPath['definition.enabled']).toMatchObject({ line: 3, column: expect.any(Number) });
      expect(byPath['definition.steps[0].step_type']).toMatchObject({ code: 'UNKNOWN_STEP_TYPE', line: 8 });
      expect(byPath['definition.steps[0].step_type'].message).toContain('regenerate_sdk');
    });

    it('JSON body with a wrong type: 400 with the path', async () => {
      const res = await http()
        .post(`${API}/pipelines`)
        .send(pipelineBody('bad-json', { definition: { triggers: 'schema.changed', steps: [] } }))
        .expect(400);
      expectErrorShape(res.body, 'VALIDATION_FAILED');
      expect(res.body.details.map((d: any) => d.path)).toEqual(expect.arrayContaining(['definition.triggers']));
    });

    it('malformed JSON: 400, not 500', async () => {
      const res = await http().post(`${API}/pipelines`).set('Content-Type', 'application/json').send('{"name": "x", ').expect(400);
      expectErrorShape(res.body, 'BAD_REQUEST');
      expect(res.body.message).toMatch(/malformed JSON/);
    });

    it('a 5 MB body: 413', async () => {
      const huge = JSON.stringify(pipelineBody('huge', { description: 'x'.repeat(5 * 1024 * 1024) }));
      const res = await http().post(`${API}/pipelines`).set('Content-Type', 'application/json').send(huge).expect(413);
      expectErrorShape(res.body, 'PAYLOAD_TOO_LARGE');
    });

    it('a YAML document over the parser cap (but under the body limit): 413', async () => {
      const yaml = `name: big\ndescription: "${'y'.repeat(300 * 1024)}"\ndefinition:\n  triggers: [{event: a}]\n  steps: []\n`;
      const res = await http().post(`${API}/pipelines`).set('Content-Type', 'application/yaml').send(yaml).expect(413);
      expectErrorShape(res.body, 'PAYLOAD_TOO_LARGE');
    });

    it('a wrong content type: 415', async () => {
      const res = await http().post(`${API}/pipelines`).set('Content-Type', 'text/plain').send('name: x').expect(415);
      expectErrorShape(res.body, 'UNSUPPORTED_MEDIA_TYPE');
      expect(res.body.message).toContain('text/plain');
    });

    it('no body at all: 400 saying what to send', async () => {
      const res = await http().post(`${API}/pipelines`).expect(400);
      expectErrorShape(res.body, 'BAD_REQUEST');
    });

    it('a JSON array instead of an object: 400', async () => {
      const res = await http().post(`${API}/pipelines`).send([1, 2]).expect(400);
      expectErrorShape(res.body, 'VALIDATION_FAILED');
    });

    it('unknown and malformed query parameters: 400', async () => {
      expectErrorShape((await http().get(`${API}/pipelines?limit=abc`).expect(400)).body, 'VALIDATION_FAILED');
      expectErrorShape((await http().get(`${API}/pipelines?limit=0`).expect(400)).body, 'VALIDATION_FAILED');
      expectErrorShape((await http().get(`${API}/pipelines?enabled=maybe`).expect(400)).body, 'VALIDATION_FAILED');
      expectErrorShape((await http().get(`${API}/pipelines?workspace=typo`).expect(400)).body, 'VALIDATION_FAILED');
      expectErrorShape((await http().get(`${API}/pipelines?cursor=not-a-cursor`).expect(400)).body, 'VALIDATION_FAILED');
    });

    it('unknown ids and routes: 404 in the error shape', async () => {
      expectErrorShape((await http().get(`${API}/pipelines/not-a-uuid`).expect(404)).body, 'NOT_FOUND');
      expectErrorShape((await http().get(`${API}/pipelines/7d0b5a36-9d44-4b6f-9a8e-2b1f1f2f0c11`).expect(404)).body, 'NOT_FOUND');
      expectErrorShape((await http().post(`${API}/pipelines/7d0b5a36-9d44-4b6f-9a8e-2b1f1f2f0c11/enable`).expect(404)).body, 'NOT_FOUND');
      expectErrorShape((await http().get(`${API}/nothing-here`).expect(404)).body, 'NOT_FOUND');
    });
  });

  describe('POST /pipelines/validate', () => {
    it('returns errors with line and column, and saves nothing', async () => {
      const yaml = 'name: v\ndefinition:\n  triggers:\n    - event: schema.changed\n  steps:\n    - name: gen\n      step_type: regenerate_sdk\n      config:\n        languages: ["typescript", "cobol"]\n';
      const res = await http().post(`${API}/pipelines/validate`).set('Content-Type', 'application/yaml').send(yaml).expect(200);
      expect(res.body.valid).toBe(false);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ path: 'definition.steps[0].config.languages', line: 9, column: expect.any(Number), message: 'unknown language "cobol"' }),
      ]);
      const all = await http().get(`${API}/pipelines?limit=200`).expect(200);
      expect(all.body.items.map((p: any) => p.name)).not.toContain('v');
    });

    it('accepts every spec example and reports template warnings', async () => {
      for (const example of specExamples()) {
        const res = await http().post(`${API}/pipelines/validate`).set('Content-Type', 'application/yaml').send(example.yaml).expect(200);
        expect({ file: example.file, valid: res.body.valid, errors: res.body.errors }).toEqual({ file: example.file, valid: true, errors: [] });
      }
      const typo = await http()
        .post(`${API}/pipelines/validate`)
        .send(pipelineBody('typo', { definition: { ...pipelineBody('x').definition, steps: [{ name: 'n', step_type: 'notify', config: { type: 'slack', message: '{{event.scenario_nme}}' } }] } }))
        .expect(200);
      expect(typo.body.valid).toBe(true);
      expect(typo.body.warnings).toEqual([expect.objectContaining({ severity: 'warning', code: 'UNKNOWN_EVENT_FIELD' })]);
    });
  });

  describe('probes and docs', () => {
    it('serves liveness and readiness at the root', async () => {
      expect((await http().get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
      const ready = await http().get('/readyz').expect(200);
      expect(ready.body).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' } } });
    });

    it('publishes an OpenAPI document generated from the controllers', async () => {
      const doc = (await http().get('/api/docs-json').expect(200)).body;
      expect(doc.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/pipelines',
          '/api/v1/pipelines/validate',
          '/api/v1/pipelines/{id}',
          '/api/v1/pipelines/{id}/executions',
          '/api/v1/executions/{id}',
          '/api/v1/executions/{id}/cancel',
          '/api/v1/events',
        ]),
      );
      expect(doc.components.schemas.PipelineDto.properties).toHaveProperty('workspace_id');
      expect(doc.components.schemas.ErrorDto.properties).toHaveProperty('details');
      await http().get('/api/docs').expect(200);
    });
  });
});
