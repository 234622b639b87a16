import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ExecutionChangeNotifier, deadLetterStreamOf, entryFields } from '@mockops/event-stream';
import type { ExecutionRecord } from '@mockops/execution-store';
import { ExecutionLiveService } from '../lib/run-view/execution-live.service';
import { WebUiModule } from '../lib/web-ui/web-ui.module';
import { startTestGateway, type TestGateway } from './gateway-harness';
import { playFailedRun, scenarioEvent, seedExecution } from './seed';
import { openEventStream } from './sse-reader';

jest.setTimeout(60_000);

const API = '/api/v1';
const ADMIN = 'admin-key-0123456789';
const TEAM_A = 'team-a-key-0123456789';
const KEYS = `${ADMIN}:admin,${TEAM_A}:ws=ws-a`;

function pipeline(name: string, workspace_id?: string) {
  return {
    name,
    ...(workspace_id ? { workspace_id } : {}),
    definition: {
      triggers: [{ event: 'scenario.published' }],
      steps: [
        { name: 'promote', step_type: 'auto_promote', config: { entity_type: 'scenario', entity_id: 'sc-1', from_environment: 'dev', to_environment: 'test' } },
        { name: 'tell', step_type: 'notify', config: { type: 'slack', message: 'done' } },
      ],
    },
  };
}

describe('gateway: what the run view needs (executions feed, live feed, dead letters, event types, summaries)', () => {
  let gw: TestGateway;
  let webDir: string;
  const as = (key: string) => ({
    get: (path: string) => request(gw.url).get(`${API}${path}`).set('Authorization', `Bearer ${key}`),
    post: (path: string) => request(gw.url).post(`${API}${path}`).set('Authorization', `Bearer ${key}`),
    delete: (path: string) => request(gw.url).delete(`${API}${path}`).set('Authorization', `Bearer ${key}`),
  });
  const ids: Record<'a' | 'b' | 'global', string> = { a: '', b: '', global: '' };
  const runs: Record<'a' | 'aFailed' | 'b' | 'global', ExecutionRecord> = {} as never;

  beforeAll(async () => {
    // A stand-in build of the web app: what vite writes (index.html, hashed assets, the manifest).
    webDir = mkdtempSync(join(tmpdir(), 'mockops-web-'));
    mkdirSync(join(webDir, 'assets'));
    mkdirSync(join(webDir, '.vite'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>MockOps</title><div id="root"></div>');
    writeFileSync(join(webDir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(webDir, '.vite', 'manifest.json'), '{}');
    gw = await startTestGateway({ apiKeys: KEYS, modules: [WebUiModule.forRoot({ dir: webDir })] });
    ids.a = (await as(ADMIN).post('/pipelines').send(pipeline('in-a', 'ws-a')).expect(201)).body.id;
    ids.b = (await as(ADMIN).post('/pipelines').send(pipeline('in-b', 'ws-b')).expect(201)).body.id;
    ids.global = (await as(ADMIN).post('/pipelines').send(pipeline('global')).expect(201)).body.id;
    const p = async (id: string) => (await gw.store.getPipeline(id))!;
    runs.a = await seedExecution(gw.store, await p(ids.a), scenarioEvent({ workspace_id: 'ws-a' }));
    runs.aFailed = await seedExecution(gw.store, await p(ids.a), scenarioEvent({ workspace_id: 'ws-a', type: 'scenario.published' }));
    await playFailedRun(gw.store, runs.aFailed.id, ['promote', 'tell']);
    runs.b = await seedExecution(gw.store, await p(ids.b), scenarioEvent({ workspace_id: 'ws-b' }));
    // A global pipeline's execution for an event of ws-a: not ws-a's to see (GET /executions/:id says 404).
    runs.global = await seedExecution(gw.store, await p(ids.global), scenarioEvent({ workspace_id: 'ws-a' }));
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  describe('GET /executions (across pipelines)', () => {
    it('lists every execution newest first with its pipeline name, for an admin key', async () => {
      const res = await as(ADMIN).get('/executions').expect(200);
      expect(res.body.items.map((e: any) => e.id)).toEqual([runs.global.id, runs.b.id, runs.aFailed.id, runs.a.id]);
      expect(res.body.items[1]).toMatchObject({ pipeline_id: ids.b, pipeline_name: 'in-b', workspace_id: 'ws-b', status: 'queued', event_type: 'scenario.published' });
      expect(res.body.next_cursor).toBeNull();
    });

    it('filters by status, pipeline, workspace and event type, and pages', async () => {
      const ids$ = async (q: string) => (await as(ADMIN).get(`/executions?${q}`).expect(200)).body.items.map((e: any) => e.id);
      expect(await ids$('status=failed')).toEqual([runs.aFailed.id]);
      expect(await ids$(`pipeline_id=${ids.a}`)).toEqual([runs.aFailed.id, runs.a.id]);
      expect(await ids$('workspace_id=ws-b')).toEqual([runs.b.id]);
      expect(await ids$('event_type=schema.changed')).toEqual([]);
      expect(await ids$(`event_type=scenario.published&pipeline_id=${ids.a}&status=queued`)).toEqual([runs.a.id]);
      const first = await as(ADMIN).get('/executions?limit=3').expect(200);
      const rest = await as(ADMIN).get('/executions').query({ limit: 3, cursor: first.body.next_cursor }).expect(200);
      expect([...first.body.items, ...rest.body.items].map((e: any) => e.id)).toEqual([runs.global.id, runs.b.id, runs.aFailed.id, runs.a.id]);
      expect(rest.body.next_cursor).toBeNull();
      expect((await as(ADMIN).get('/executions?status=exploded').expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await as(ADMIN).get('/executions?pipeline_id=nope').expect(400)).body.code).toBe('VALIDATION_FAILED');
    });

    it('shows a scoped key exactly the executions GET /executions/:id lets it read', async () => {
      const listed = (await as(TEAM_A).get('/executions').expect(200)).body.items.map((e: any) => e.id);
      expect(listed).toEqual([runs.aFailed.id, runs.a.id]);
      expect((await as(TEAM_A).get('/executions?workspace_id=ws-b').expect(200)).body.items).toEqual([]);
      expect((await as(TEAM_A).get(`/executions?pipeline_id=${ids.b}`).expect(200)).body.items).toEqual([]);
      for (const run of Object.values(runs)) {
        await as(TEAM_A).get(`/executions/${run.id}`).expect(listed.includes(run.id) ? 200 : 404);
      }
    });

    it("keeps agreeing once a global pipeline is deleted: its executions belong to no workspace, before and after", async () => {
      const scratch = (await as(ADMIN).post('/pipelines').send(pipeline('scratch')).expect(201)).body.id;
      const p = (await gw.store.getPipeline(scratch))!;
      // As the matcher records it: an execution belongs to its pipeline's owner (none), not to the event's workspace.
      const [{ execution: run }] = await gw.store.createExecutions([
        { pipelineId: p.id, revisionId: p.currentRevisionId, workspaceId: null, event: scenarioEvent({ workspace_id: 'ws-a' }), steps: [{ name: 'promote', stepType: 'auto_promote', maxAttempts: 1 }] },
      ]);
      const seen = async () => (await as(TEAM_A).get('/executions').expect(200)).body.items.some((e: any) => e.id === run.id);
      for (const phase of ['live', 'deleted']) {
        if (phase === 'deleted') await as(ADMIN).delete(`/pipelines/${scratch}`).expect(204);
        expect(await seen()).toBe(false);
        await as(TEAM_A).get(`/executions/${run.id}`).expect(404);
        await as(ADMIN).get(`/executions/${run.id}`).expect(200);
      }
    });
  });

  describe('pipeline summaries and stats over time', () => {
    it('answers counts, success rate and last run for a page of pipelines in one call, scoped', async () => {
      const all = await as(ADMIN).get(`/pipeline-summaries?ids=${ids.a},${ids.b},${ids.global}`).expect(200);
      expect(all.body.items).toEqual([
        { pipeline_id: ids.a, total: 2, counts: expect.objectContaining({ queued: 1, failed: 1 }), success_rate: 0, last_run: expect.objectContaining({ id: runs.aFailed.id, status: 'failed' }) },
        expect.objectContaining({ pipeline_id: ids.b, total: 1, success_rate: null, last_run: expect.objectContaining({ id: runs.b.id }) }),
        expect.objectContaining({ pipeline_id: ids.global, total: 1 }),
      ]);
      const scoped = await as(TEAM_A).get(`/pipeline-summaries?ids=${ids.a},${ids.b}`).expect(200);
      expect(scoped.body.items.map((s: any) => s.pipeline_id)).toEqual([ids.a]);
      await as(ADMIN).get('/pipeline-summaries?ids=nope').expect(400);
    });

    it('groups a pipeline’s executions by minute with success rate and durations; other workspaces get 404', async () => {
      const res = await as(TEAM_A).get(`/pipelines/${ids.a}/stats/timeline`).expect(200);
      expect(res.body.bucket).toBe('minute');
      const total = res.body.items.reduce((n: number, p: any) => n + p.total, 0);
      expect(total).toBe(2);
      const decided = res.body.items.find((p: any) => p.failed === 1);
      expect(decided).toMatchObject({ success_rate: 0, p50_ms: expect.any(Number), p95_ms: expect.any(Number) });
      expect((await as(TEAM_A).get(`/pipelines/${ids.b}/stats/timeline`).expect(404)).body.code).toBe('NOT_FOUND');
      expect((await as(ADMIN).get(`/pipelines/${ids.a}/stats/timeline?bucket=day`).expect(200)).body.items).toHaveLength(1);
    });
  });

  it('GET /event-types lists the four known types with their payload JSON Schemas', async () => {
    const res = await as(TEAM_A).get('/event-types').expect(200);
    expect(res.body.items.map((t: any) => t.type)).toEqual(['schema.changed', 'scenario.published', 'drift.threshold_exceeded', 'promotion.completed']);
    expect(res.body.items[1].payload_schema).toMatchObject({ type: 'object', required: ['scenario_id'] });
    expect(res.body.next_cursor).toBeNull();
  });

  describe('GET /executions/live (server-sent events)', () => {
    it('sends each key the changes of executions it may see, the API’s own cancels included, and heartbeats', async () => {
      gw.app.get(ExecutionLiveService).heartbeatMs = 200;
      const auth = (key: string) => ({ authorization: `Bearer ${key}` });
      const admin = await openEventStream(`${gw.url}${API}/executions/live`, auth(ADMIN));
      const team = await openEventStream(`${gw.url}${API}/executions/live`, auth(TEAM_A));
      try {
        expect(admin.status).toBe(200);
        expect(admin.contentType).toMatch(/^text\/event-stream/);
        await admin.next((f) => f.event === 'ready');
        await team.next((f) => f.event === 'ready');

        const notifier = new ExecutionChangeNotifier(gw.redis, gw.stream);
        const change = (run: ExecutionRecord, status: string) => ({ execution_id: run.id, pipeline_id: run.pipelineId, workspace_id: run.workspaceId, status });
        notifier.notify(change(runs.b, 'running'));
        notifier.notify(change(runs.global, 'running'));
        notifier.notify({ ...change(runs.a, 'running'), step: 'promote', step_status: 'running' });
        await as(ADMIN).post(`/executions/${runs.a.id}/cancel`).expect(200);

        await admin.next((f) => f.event === 'execution' && JSON.parse(f.data!).status === 'cancelled');
        await team.next((f) => f.event === 'execution' && JSON.parse(f.data!).status === 'cancelled');
        expect(admin.changes()).toEqual([
          change(runs.b, 'running'),
          change(runs.global, 'running'),
          { ...change(runs.a, 'running'), step: 'promote', step_status: 'running' },
          change(runs.a, 'cancelled'),
        ]);
        // ws-b's execution and the global pipeline's never reach the ws-a key.
        expect(team.changes()).toEqual([{ ...change(runs.a, 'running'), step: 'promote', step_status: 'running' }, change(runs.a, 'cancelled')]);
        await team.next((f) => f.comment === 'heartbeat');
        expect(gw.app.get(ExecutionLiveService).clientCount).toBe(2);
      } finally {
        await admin.close();
        await team.close();
      }
    });

    it('refuses a caller without a key before opening the stream (401 JSON)', async () => {
      const anon = await openEventStream(`${gw.url}${API}/executions/live`);
      expect(anon.status).toBe(401);
      expect(JSON.parse(anon.body)).toMatchObject({ code: 'UNAUTHORIZED' });
    });
  });

  describe('dead letters', () => {
    const dead = () => deadLetterStreamOf(gw.stream);
    const entry = (reason: string, original: string) =>
      gw.redis.xadd(dead(), '*', 'reason', reason, 'original', original, 'entry_id', '1-0', 'stream', gw.stream, 'at', new Date().toISOString()) as Promise<string>;
    const good = (workspace: string, payload: Record<string, unknown>) =>
      JSON.stringify({ id: `evt-${workspace}-${Math.random()}`, type: 'scenario.published', workspace_id: workspace, payload });
    let junk: string;
    let wsA: string;
    let wsB: string;

    beforeAll(async () => {
      junk = await entry('invalid JSON: Unexpected token', '{"type": "scenario.published", oops');
      wsA = await entry('invalid event: payload.scenario_id: required', good('ws-a', { scenario_name: 'missing id' }));
      wsB = await entry('invalid event: payload.scenario_id: required', good('ws-b', {}));
    });

    it('lists entries newest first with reason and original; a scoped key sees only its workspaces’ parsable ones', async () => {
      const all = await as(ADMIN).get('/dead-letters').expect(200);
      expect(all.body.items.map((e: any) => e.id)).toEqual([wsB, wsA, junk]);
      expect(all.body.items[2]).toMatchObject({ reason: expect.stringContaining('invalid JSON'), original: '{"type": "scenario.published", oops', event_type: null, workspace_id: null, replayed: null });
      expect(all.body.items[1]).toMatchObject({ event_type: 'scenario.published', workspace_id: 'ws-a', stream: gw.stream, entry_id: '1-0' });
      const page1 = await as(ADMIN).get('/dead-letters?limit=2').expect(200);
      const page2 = await as(ADMIN).get(`/dead-letters?limit=2&cursor=${page1.body.next_cursor}`).expect(200);
      expect([...page1.body.items, ...page2.body.items].map((e: any) => e.id)).toEqual([wsB, wsA, junk]);
      expect(page2.body.next_cursor).toBeNull();
      expect((await as(TEAM_A).get('/dead-letters').expect(200)).body.items.map((e: any) => e.id)).toEqual([wsA]);
      await as(TEAM_A).get(`/dead-letters/${wsB}`).expect(404);
      await as(TEAM_A).post(`/dead-letters/${wsB}/replay`).expect(404);
      await as(ADMIN).get('/dead-letters?cursor=not-an-id').expect(400);
    });

    it('replays a corrected envelope once: it is re-validated, added to the event stream and marked replayed', async () => {
      const asIs = await as(TEAM_A).post(`/dead-letters/${wsA}/replay`).expect(400);
      expect(asIs.body.message).toContain('payload.scenario_id: required');
      const original = JSON.parse((await as(TEAM_A).get(`/dead-letters/${wsA}`).expect(200)).body.original);
      const fixed = { ...original, payload: { ...original.payload, scenario_id: 'sc-7' } };
      await as(TEAM_A).post(`/dead-letters/${wsA}/replay`).send({ ...fixed, workspace_id: 'ws-b' }).expect(403);

      const replayed = await as(TEAM_A).post(`/dead-letters/${wsA}/replay`).send(fixed).expect(200);
      expect(replayed.body).toMatchObject({ id: wsA, entry_id: expect.stringMatching(/^\d+-\d+$/), event_id: original.id, event_type: 'scenario.published' });
      const [[, fields]] = (await gw.redis.xrange(gw.stream, replayed.body.entry_id, replayed.body.entry_id)) as [string, string[]][];
      expect(JSON.parse(entryFields(fields).event)).toMatchObject({ id: original.id, workspace_id: 'ws-a', payload: { scenario_id: 'sc-7' } });

      const again = await as(ADMIN).post(`/dead-letters/${wsA}/replay`).send(fixed).expect(409);
      expect(again.body.message).toContain(replayed.body.entry_id);
      expect(await gw.redis.xlen(gw.stream)).toBe(1);
      const listed = (await as(TEAM_A).get('/dead-letters').expect(200)).body.items[0];
      expect(listed.replayed).toMatchObject({ entry_id: replayed.body.entry_id, at: replayed.body.replayed_at });
    });

    it('needs a corrected envelope for an original that is not JSON, and 404s for unknown entries', async () => {
      expect((await as(ADMIN).post(`/dead-letters/${junk}/replay`).expect(400)).body.message).toContain('not valid JSON');
      await as(ADMIN)
        .post(`/dead-letters/${junk}/replay`)
        .send({ type: 'scenario.published', id: 'fixed-junk', payload: { scenario_id: 'sc-9' } })
        .expect(200);
      await as(ADMIN).post('/dead-letters/1-1/replay').expect(404);
      await as(ADMIN).post('/dead-letters/nonsense/replay').expect(404);
    });
  });

  it('documents the new endpoints in the OpenAPI document', async () => {
    const doc = (await request(gw.url).get('/api/docs-json').expect(200)).body;
    for (const path of ['/api/v1/executions', '/api/v1/executions/live', '/api/v1/pipeline-summaries', '/api/v1/pipelines/{id}/stats/timeline', '/api/v1/event-types', '/api/v1/dead-letters', '/api/v1/dead-letters/{entryId}/replay']) {
      expect(doc.paths[path]).toBeDefined();
    }
    expect(Object.keys(doc.paths['/api/v1/executions/live'].get.responses['200'].content)).toEqual(['text/event-stream']);
  });

  describe('the web app at /', () => {
    it('serves index.html for the app’s routes and the assets, and leaves /api, the probes and the docs to the API', async () => {
      const home = await request(gw.url).get('/').expect(200);
      expect(home.text).toContain('<div id="root">');
      expect(home.headers['content-security-policy']).toContain("default-src 'self'");
      expect(home.headers['cache-control']).toBe('no-cache');
      const deep = await request(gw.url).get(`/executions/${runs.a.id}`).expect(200);
      expect(deep.text).toContain('<div id="root">');
      const asset = await request(gw.url).get('/assets/index-abc123.js').expect(200);
      expect(asset.headers['cache-control']).toContain('immutable');
      const missing = await request(gw.url).get(`${API}/no-such-thing`).expect(404);
      expect(missing.body).toMatchObject({ code: 'NOT_FOUND' });
      await request(gw.url).get('/healthz').expect(200, { status: 'ok' });
      // The API's own /metrics (Prometheus text), never the web app's index.html.
      await request(gw.url).get('/metrics').expect(200).expect((r) => expect(r.text).toContain('# TYPE mockops_'));
      await request(gw.url).get('/.vite/manifest.json').expect(200).expect((r) => expect(r.text).toContain('<div id="root">'));
    });
  });
});
