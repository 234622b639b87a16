import { randomBytes } from 'node:crypto';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { ArtifactStore, ExecutionStore, createDataSource, runMigrations } from '@mockops/execution-store';
import { configureGatewayApp } from '@mockops/gateway-api';
import { parsePipeline } from '@mockops/pipeline-core';
import { TEST_DATABASE_URL } from '@mockops/testing';
import { schemaChangedEvent } from '../testing/step-run-context.builder';
import { ArtifactsModule } from './artifacts.module';

const ADMIN = 'k-admin-1';
const TEAM_A = 'k-team-a-1';

describe('ArtifactsModule over HTTP (real Postgres, API keys)', () => {
  let ds: DataSource;
  let schema: string;
  let app: INestApplication;
  let store: ExecutionStore;
  let artifacts: ArtifactStore;

  beforeAll(async () => {
    schema = `rsdk_api_${randomBytes(5).toString('hex')}`;
    ds = createDataSource({ url: TEST_DATABASE_URL, schema, poolSize: 3 });
    await ds.initialize();
    await runMigrations(ds);
    store = new ExecutionStore(ds);
    artifacts = new ArtifactStore(ds);
    @Module({ imports: [ArtifactsModule.fromDataSource(ds, store, `${ADMIN}:admin,${TEAM_A}:ws=team-a`)] })
    class TestModule {}
    app = await NestFactory.create(TestModule, { logger: false, bodyParser: false });
    configureGatewayApp(app, { docs: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await ds?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await ds?.destroy();
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

  const http = () => request(app.getHttpServer());

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
