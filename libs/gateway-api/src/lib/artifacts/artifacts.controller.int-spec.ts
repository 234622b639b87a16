import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ArtifactStore, type Store } from '@mockops/execution-store';
import { parsePipeline } from '@mockops/pipeline-core';
import { startTestGateway, type TestGateway } from '../../test/gateway-harness';

const ADMIN = 'k-admin-1';
const TEAM_A = 'k-team-a-1';

const schemaChangedEvent = () => ({
  id: randomBytes(6).toString('hex'),
  type: 'schema.changed',
  occurred_at: '2026-01-02T03:04:00.000Z',
  payload: { spec_path: 'petstore.yaml', schema_type: 'openapi' },
});

describe('artifacts over HTTP (the gateway, real Postgres, API keys)', () => {
  let gw: TestGateway;
  let store: Store;
  let artifacts: ArtifactStore;

  beforeAll(async () => {
    gw = await startTestGateway({ apiKeys: `${ADMIN}:admin,${TEAM_A}:ws=team-a`, configure: { docs: false } });
    store = gw.store;
    artifacts = new ArtifactStore(gw.dataSource);
  });

  afterAll(async () => {
    await gw?.close();
  });

  async function executionIn(workspaceId: string | null): Promise<string> {
    const name = `p-${randomBytes(4).toString('hex')}`;
    const source = `name: ${name}\ndefinition:\n  triggers:\n    - event: schema.changed\n  steps:\n    - name: sdk\n      step_type: regenerate_sdk\n      config:\n        languages: ["rust"]\n`;
    const parsed = parsePipeline(source);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const p = await store.createPipeline({ name, workspaceId, document: parsed.document, sourceText: source, sourceFormat: 'yaml' });
    const [{ execution }] = await store.createExecutions([
      { pipelineId: p.id, revisionId: p.currentRevisionId, workspaceId, event: schemaChangedEvent(), steps: [{ name: 'sdk', stepType: 'regenerate_sdk', maxAttempts: 1 }] },
    ]);
    return execution.id;
  }

  const http = () => request(gw.url);

  it('lists and downloads an artifact byte for byte with its headers', async () => {
    const id = await executionIn('team-a');
    const content = Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 250]);
    const saved = await artifacts.put({ executionId: id, stepName: 'sdk', name: 'sdks', mediaType: 'application/gzip', content });

    const list = await http().get(`/api/v1/executions/${id}/artifacts`).set('Authorization', `Bearer ${TEAM_A}`).expect(200);
    expect(list.body).toEqual({
      items: [{ name: 'sdks', step_name: 'sdk', media_type: 'application/gzip', size: 8, sha256: saved.sha256, created_at: saved.createdAt, url: `/api/v1/executions/${id}/artifacts/sdks` }],
      next_cursor: null,
    });

    const res = await http()
      .get(`/api/v1/executions/${id}/artifacts/sdks`)
      .set('X-API-Key', ADMIN)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(res.headers['content-type']).toBe('application/gzip');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${id}-sdks.tar.gz"`);
    expect(res.headers['etag']).toBe(`"${saved.sha256}"`);
    expect(Buffer.compare(res.body as Buffer, content)).toBe(0);
  });

  it('needs an API key, and hides executions of other workspaces behind a 404', async () => {
    const id = await executionIn('team-b');
    await artifacts.put({ executionId: id, stepName: 'sdk', name: 'sdks', mediaType: 'application/gzip', content: Buffer.from('x') });
    const anonymous = await http().get(`/api/v1/executions/${id}/artifacts/sdks`).expect(401);
    expect(anonymous.body).toMatchObject({ code: 'UNAUTHORIZED' });
    const hidden = await http().get(`/api/v1/executions/${id}/artifacts/sdks`).set('Authorization', `Bearer ${TEAM_A}`).expect(404);
    expect(hidden.body).toEqual({ code: 'NOT_FOUND', message: `execution ${id} not found`, details: [] });
    await http().get(`/api/v1/executions/${id}/artifacts`).set('Authorization', `Bearer ${ADMIN}`).expect(200);
  });

  it('answers 404 JSON for a missing artifact and an unknown execution', async () => {
    const id = await executionIn(null);
    const missing = await http().get(`/api/v1/executions/${id}/artifacts/sdks`).set('Authorization', `Bearer ${ADMIN}`).expect(404);
    expect(missing.body).toEqual({ code: 'NOT_FOUND', message: `artifact "sdks" of execution ${id} not found`, details: [] });
    await http().get('/api/v1/executions/not-a-uuid/artifacts').set('Authorization', `Bearer ${ADMIN}`).expect(404);
  });
});
