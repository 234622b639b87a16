import { Redis } from 'ioredis';
import { startService, type RunningService } from '@mockops/runtime';
import { createTestEnv, startHttpSink, TEST_REDIS_URL, type HttpSink, type TestEnv } from '@mockops/testing';

// The tools around runs (dry run, re-run from the failure, backtest, replay) on the real runtime,
// through the REST API, as two workspaces' keys: neither may see or use the other's pipelines,
// executions, events or secrets.

const ADMIN = 'admin-key-tools-e2e-0001';
const TEAM = 'team-key-tools-e2e-0002';
const OTHER = 'other-key-tools-e2e-0003';
const WS = 'ws-tools';
const OTHER_WS = 'ws-rival';
const HOOK_SECRET_VALUE = 'whsec_TOOLS_secret_value_9931';

function hookPipeline(name: string, sink: string, workspace = WS): string {
  return `name: ${name}
definition:
  triggers:
    - event: drift.threshold_exceeded
      filters:
        workspace_id: ${workspace}
        endpoint: [/pets, /users]
  steps:
    - name: announce
      step_type: notify
      config:
        type: webhook
        webhook_url: "${sink}/announce"
        webhook_secret: "{{secrets.HOOK_KEY}}"
        message: "drift on {{event.endpoint}}: {{event.drift_count}}"
    - name: report
      step_type: notify
      if: event.drift_count > 5
      config:
        type: webhook
        webhook_url: "${sink}/report"
        message: "{{steps.announce.outputs.status}} for {{event.endpoint}}"
`;
}

describe('pipeline tools on the real runtime', () => {
  let env: TestEnv;
  let service: RunningService;
  let redis: Redis;
  let sink: HttpSink;

  const api = async (method: string, path: string, body?: unknown, key = TEAM) => {
    const res = await fetch(`${service.url}/api/v1/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': typeof body === 'string' ? 'application/yaml' : 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, text };
  };

  beforeAll(async () => {
    sink = await startHttpSink();
    env = await createTestEnv({ MOCKOPS_API_KEYS: `${ADMIN}:admin,${TEAM}:ws=${WS},${OTHER}:ws=${OTHER_WS}` });
    service = await startService({ name: 'tools-e2e', matcher: true, handlers: ['notify'], gateway: true }, { config: env.config });
    redis = new Redis(TEST_REDIS_URL);
    expect((await api('PUT', `workspaces/${WS}/secrets/HOOK_KEY`, { value: HOOK_SECRET_VALUE })).status).toBe(201);
    expect((await api('PUT', `workspaces/${OTHER_WS}/secrets/HOOK_KEY`, { value: 'rival-secret-value-77' }, OTHER)).status).toBe(201);
  });

  afterAll(async () => {
    await service?.stop();
    await redis?.quit();
    await sink?.stop();
    await env?.cleanup();
  });

  const driftEvent = (endpoint: string, driftCount: number, workspace = WS, id?: string) => ({
    ...(id ? { id } : {}),
    type: 'drift.threshold_exceeded',
    workspace_id: workspace,
    payload: { endpoint, drift_count: driftCount, threshold: 1, drift_data: {} },
  });

  describe('POST /pipelines/test (dry run)', () => {
    it('says which trigger matches, decides the ifs it can, renders configs with secrets masked, and saves nothing', async () => {
      const res = await api('POST', 'pipelines/test', { pipeline: hookPipeline('dry', sink.url), event: driftEvent('/pets', 9) });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ pipeline: 'dry', matched: true, trigger: 0, workspace: { matched: true } });
      const [announce, report] = res.body.plan.steps;
      expect(announce).toMatchObject({ name: 'announce', outcome: 'runs', secrets: [{ name: 'HOOK_KEY', field: 'webhook_secret' }] });
      expect(announce.config).toMatchObject({ webhook_secret: '***', message: 'drift on /pets: 9' });
      // `success() && event.drift_count > 5`: true on the event, then decided by announce's result.
      expect(report).toMatchObject({
        needs: ['announce'],
        condition: { source: 'event.drift_count > 5', decidable_now: false, runtime_inputs: ['steps.announce.status'] },
        outcome: 'runs',
      });
      expect(report.rendered_at_run_time).toEqual([{ path: 'message', reason: 'reads the outputs of step "announce", known once it has run' }]);
      expect(res.text).not.toContain(HOOK_SECRET_VALUE);
      expect((await service.infra.store.listPipelines({ limit: 100 })).items).toEqual([]);
    });

    it('names the failing filter and the value the event has there', async () => {
      const res = await api('POST', 'pipelines/test', { pipeline: hookPipeline('dry', sink.url), event: driftEvent('/orders', 2) });
      expect(res.status).toBe(200);
      expect(res.body.matched).toBe(false);
      expect(res.body.triggers[0]).toMatchObject({
        matched: false,
        reason: 'FILTER',
        message: 'filter endpoint: expected ["/pets","/users"], the event has "/orders" (payload)',
      });
      expect(res.body.plan.steps[1]).toMatchObject({ condition: { value: false }, outcome: 'skipped', skip_reason: { code: 'CONDITION_FALSE' } });
    });

    it("refuses another workspace: its owner, its saved pipelines and its secrets", async () => {
      const asRival = await api('POST', 'pipelines/test', { pipeline: hookPipeline('dry', sink.url), event: driftEvent('/pets', 9), workspace_id: OTHER_WS });
      expect(asRival.status).toBe(403);
      const rival = await api('POST', 'pipelines', hookPipeline('rival-pipeline', sink.url, OTHER_WS), OTHER);
      expect(rival.status).toBe(201);
      const saved = await api('POST', 'pipelines/test', { pipeline_id: rival.body.id, event: driftEvent('/pets', 9, OTHER_WS) });
      expect(saved.status).toBe(404);
      expect(saved.text).not.toContain('rival-pipeline');
      // A secret set only in the rival workspace is unknown here, by name, with the usual save-time error.
      const stolen = await api('POST', 'pipelines/test', {
        pipeline: hookPipeline('dry', sink.url).replace('HOOK_KEY', 'RIVAL_ONLY'),
        event: driftEvent('/pets', 9),
      });
      expect((await api('PUT', `workspaces/${OTHER_WS}/secrets/RIVAL_ONLY`, { value: 'rival-only-value' }, OTHER)).status).toBe(201);
      const again = await api('POST', 'pipelines/test', { pipeline: hookPipeline('dry', sink.url).replace('HOOK_KEY', 'RIVAL_ONLY'), event: driftEvent('/pets', 9) });
      expect(again.status).toBe(stolen.status);
      expect(again.text).not.toContain('rival-only-value');
      await api('DELETE', `pipelines/${rival.body.id}`, undefined, OTHER);
    });

    it('answers 400 for an invalid event or pipeline, with the reason', async () => {
      const badEvent = await api('POST', 'pipelines/test', { pipeline: hookPipeline('dry', sink.url), event: { type: 'drift.threshold_exceeded', payload: { endpoint: '/x' } } });
      expect(badEvent.status).toBe(400);
      expect(badEvent.body.message).toMatch(/event is invalid: payload\.drift_count/);
      const badPipeline = await api('POST', 'pipelines/test', { pipeline: 'name: x\ndefinition:\n  triggers: []\n  steps: []\n', event: driftEvent('/pets', 1) });
      expect(badPipeline.status).toBe(400);
    });
  });
});
