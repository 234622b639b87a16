import request from 'supertest';
import { entryFields } from '@mockops/event-stream';
import { specPipeline } from '@mockops/testing';
import { startTestGateway, type TestGateway } from './gateway-harness';
import { playFailedRun, scenarioEvent, seedExecution } from './seed';

// Booting migrates a fresh schema; on a busy shared machine that can take more than the default 5 s.
jest.setTimeout(60_000);

const API = '/api/v1';

describe('gateway: executions API', () => {
  let gw: TestGateway;
  let pipelineId: string;
  const http = () => request(gw.url);

  beforeAll(async () => {
    gw = await startTestGateway();
    const yaml = specPipeline('auto-promote-to-test');
    pipelineId = (await http().post(`${API}/pipelines?workspace_id=workspace-123`).set('Content-Type', 'application/yaml').send(yaml).expect(201)).body.id;
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("lists a pipeline's executions newest first, filtered by status, paged", async () => {
    const pipeline = (await gw.store.getPipeline(pipelineId))!;
    const older = await seedExecution(gw.store, pipeline);
    const failed = await seedExecution(gw.store, pipeline);
    await playFailedRun(gw.store, failed.id, ['auto_promote', 'notify_team']);
    const newest = await seedExecution(gw.store, pipeline);

    const all = await http().get(`${API}/pipelines/${pipelineId}/executions`).expect(200);
    expect(all.body.items.map((e: any) => e.id)).toEqual([newest.id, failed.id, older.id]);
    expect(all.body.items[0]).toMatchObject({ pipeline_id: pipelineId, status: 'queued', event_type: 'scenario.published', workspace_id: 'workspace-123' });

    const onlyFailed = await http().get(`${API}/pipelines/${pipelineId}/executions?status=failed`).expect(200);
    expect(onlyFailed.body.items.map((e: any) => e.id)).toEqual([failed.id]);
    expect(onlyFailed.body.items[0].duration_ms).toEqual(expect.any(Number));

    const page1 = await http().get(`${API}/pipelines/${pipelineId}/executions?limit=2`).expect(200);
    const page2 = await http().get(`${API}/pipelines/${pipelineId}/executions`).query({ limit: 2, cursor: page1.body.next_cursor }).expect(200);
    expect([...page1.body.items, ...page2.body.items].map((e: any) => e.id)).toEqual([newest.id, failed.id, older.id]);
    expect(page2.body.next_cursor).toBeNull();

    const bad = await http().get(`${API}/pipelines/${pipelineId}/executions?status=exploded`).expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');

    const stats = await http().get(`${API}/pipelines/${pipelineId}/stats`).expect(200);
    expect(stats.body).toMatchObject({ total: 3, counts: { queued: 2, failed: 1 }, success_rate: 0, last_run: { id: newest.id } });
  });

  it('shows an execution with its step runs: status, attempts, duration, outputs, redacted config, error, logs', async () => {
    const pipeline = (await gw.store.getPipeline(pipelineId))!;
    const execution = await seedExecution(gw.store, pipeline, scenarioEvent({ id: 'evt-detail' }));
    await playFailedRun(gw.store, execution.id, ['auto_promote', 'notify_team']);
    const res = await http().get(`${API}/executions/${execution.id}`).expect(200);
    expect(res.body).toMatchObject({
      id: execution.id,
      status: 'failed',
      event_id: 'evt-detail',
      event: expect.objectContaining({ id: 'evt-detail', payload: expect.objectContaining({ scenario_name: 'checkout' }) }),
      error: expect.stringContaining('notify_team'),
    });
    expect(res.body.steps).toEqual([
      expect.objectContaining({
        name: 'auto_promote',
        step_type: 'auto_promote',
        status: 'succeeded',
        attempts: 1,
        duration_ms: expect.any(Number),
        outputs: { promotion_id: 'promo-42' },
        logs: [expect.objectContaining({ message: 'promoted sc-1 to test' })],
      }),
      expect.objectContaining({
        name: 'notify_team',
        status: 'failed',
        error: 'Slack answered 404 no_service',
        error_code: 'HTTP_404',
        config: expect.objectContaining({ slack_webhook_url: '***' }),
      }),
    ]);
    expect(res.body.steps[0]).not.toHaveProperty('lease_owner');
  });

  it('cancels a queued execution once; a second cancel is a 409', async () => {
    const pipeline = (await gw.store.getPipeline(pipelineId))!;
    const execution = await seedExecution(gw.store, pipeline);
    const cancelled = await http().post(`${API}/executions/${execution.id}/cancel`).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.steps.map((s: any) => s.status)).toEqual(['cancelled', 'cancelled']);
    const again = await http().post(`${API}/executions/${execution.id}/cancel`).expect(409);
    expect(again.body).toEqual({ code: 'CONFLICT', message: expect.stringContaining('already cancelled'), details: [] });
    expect((await http().post(`${API}/executions/00000000-0000-4000-8000-000000000000/cancel`).expect(404)).body.code).toBe('NOT_FOUND');
    expect((await http().get(`${API}/executions/nope`).expect(404)).body.code).toBe('NOT_FOUND');
  });
});

describe('gateway: POST /events', () => {
  let gw: TestGateway;
  const http = () => request(gw.url);

  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  async function streamEvents(): Promise<any[]> {
    const entries = await gw.redis.xrange(gw.stream, '-', '+');
    return entries.map(([, fields]) => JSON.parse(entryFields(fields).event));
  }

  it('publishes a valid envelope to the stream in the wire format and answers 202', async () => {
    const body = {
      type: 'schema.changed',
      workspace_id: 'workspace-123',
      source: 'registry',
      payload: { spec_path: 'specs/petstore.yaml', schema_type: 'openapi', changes: [{ kind: 'added', path: '/pets' }] },
    };
    const res = await http().post(`${API}/events`).send(body).expect(202);
    expect(res.body).toEqual({ id: expect.any(String), duplicate: false, entry_id: expect.stringMatching(/^\d+-\d+$/) });
    const events = await streamEvents();
    expect(events).toContainEqual({ ...body, id: res.body.id, occurred_at: expect.any(String) });
  });

  it('is idempotent on a producer-given id', async () => {
    const body = { id: 'producer-key-1', type: 'drift.threshold_exceeded', payload: { endpoint: 'GET /pets', drift_count: 7, threshold: 5, drift_data: { a: 1 } } };
    expect((await http().post(`${API}/events`).send(body).expect(202)).body).toMatchObject({ id: 'producer-key-1', duplicate: false });
    expect((await http().post(`${API}/events`).send(body).expect(202)).body).toEqual({ id: 'producer-key-1', duplicate: true, entry_id: null });
    expect((await streamEvents()).filter((e) => e.id === 'producer-key-1')).toHaveLength(1);
  });

  it('rejects an invalid envelope with 400 naming each field, and publishes nothing', async () => {
    const before = (await streamEvents()).length;
    const res = await http().post(`${API}/events`).send({ type: 'scenario.published', payload: { scenario_name: 'x' }, bogus: 1 }).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details.map((d: any) => d.path)).toEqual(expect.arrayContaining(['bogus', 'payload.scenario_id']));
    expect((await http().post(`${API}/events`).send({ payload: {} }).expect(400)).body.details).toContainEqual(expect.objectContaining({ path: 'type' }));
    expect((await http().post(`${API}/events`).set('Content-Type', 'application/yaml').send('type: x').expect(415)).body.code).toBe(
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expect((await http().post(`${API}/events`).set('Content-Type', 'application/json').send('{"type":').expect(400)).body.code).toBe('BAD_REQUEST');
    expect((await streamEvents()).length).toBe(before);
  });
});
