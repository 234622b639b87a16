import { createHmac } from 'node:crypto';
import { Redis } from 'ioredis';
import { parsePipeline, type EventEnvelope } from '@mockops/pipeline-core';
import { entryFields, EventPublisher } from '@mockops/event-stream';
import { PromotionStore, type ExecutionWithSteps } from '@mockops/execution-store';
import { PromotionsService } from '@mockops/gateway-api';
import { ALL_STEP_HANDLERS, MatcherService, publishedVersionsRecorder, startService, type RunningService } from '@mockops/runtime';
import type { PromotionView } from '@mockops/step-auto-promote';
import { buildStepRunContext, createTestEnv, eventually, startHttpSink, TEST_REDIS_URL, type HttpSink, type TestEnv } from '@mockops/testing';
import {
  approvalPipeline,
  onPromotionCompletedPipeline,
  personaPipeline,
  scenarioPublished,
  skippingPipeline,
  SPEC_AUTO_PROMOTE_YAML,
  SPEC_WORKSPACE,
} from './promotion-pipelines';

// The spec's "Scenario Published → Auto-Promote to Test → Notify Teams" through the real stream,
// matcher, BullMQ workers, Postgres and the promotions HTTP API, with HTTP sinks standing in for Slack,
// the mock platform's promotion endpoint and a chained pipeline's webhook.
describe('auto_promote end to end (one process)', () => {
  let env: TestEnv;
  let service: RunningService;
  let redis: Redis;
  let publisher: EventPublisher;
  let slack: HttpSink;
  let platform: HttpSink;
  let hooks: HttpSink;
  const pipelines: Record<string, string> = {};

  beforeAll(async () => {
    [slack, platform, hooks] = await Promise.all([startHttpSink(), startHttpSink(), startHttpSink()]);
    env = await createTestEnv({ MOCKOPS_PROMOTION_WEBHOOK_URL: `${platform.url}/api/promotions` });
    service = await startService(
      {
        name: 'e2e-auto-promote',
        matcher: true,
        handlers: ['auto_promote', 'notify'],
        // As the worker app and the gateway compose them: the recorder runs beside the handler.
        services: [publishedVersionsRecorder],
        gateway: { rateLimit: false, webUi: false, docs: false },
      },
      {
        config: env.config,
        overrides: { secrets: { SLACK_WEBHOOK_URL: `${slack.url}/services/T000/B000/slack-token-1`, PROMOTION_WEBHOOK_SECRET: 'promo-secret-1' } },
      },
    );
    redis = new Redis(TEST_REDIS_URL);
    publisher = new EventPublisher(redis, { stream: env.config.events.stream });
    const sources: Record<string, string> = {
      spec: SPEC_AUTO_PROMOTE_YAML,
      chain: onPromotionCompletedPipeline(`${hooks.url}/chain`),
      approval: approvalPipeline('ws-approval', `${hooks.url}/approved`),
      skip: skippingPipeline('ws-skip'),
      persona: personaPipeline('ws-persona'),
    };
    for (const [key, source] of Object.entries(sources)) {
      const parsed = parsePipeline(source);
      if (!parsed.ok) throw new Error(`${key}: ${JSON.stringify(parsed.errors)}`);
      const created = await service.infra.store.createPipeline({ name: parsed.document.name, workspaceId: null, document: parsed.document, sourceText: source, sourceFormat: 'yaml' });
      pipelines[key] = created.id;
      await service.infra.notifier.notify(created.id, 'created');
    }
    await eventually(async () => service.app.get(MatcherService).matcher.index.size === Object.keys(sources).length, 'the matcher to index the pipelines');
  });

  afterAll(async () => {
    await service?.stop();
    await redis?.quit();
    await Promise.all([slack?.stop(), platform?.stop(), hooks?.stop()]);
    await env?.cleanup();
  });

  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${service.url}/api/v1/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  const executionFor = (pipeline: string, eventId: string) =>
    eventually(async () => (await service.infra.store.listExecutions({ pipelineId: pipelines[pipeline], limit: 100 })).items.find((e) => e.eventId === eventId), `an execution of ${pipeline} for ${eventId}`);
  const reaches = (id: string, statuses: string[]) =>
    eventually(async () => {
      const e = await service.infra.store.getExecution(id);
      return e && statuses.includes(e.status) ? e : undefined;
    }, `execution ${id} to reach ${statuses.join('|')}`);
  const finished = (id: string) => reaches(id, ['succeeded', 'failed', 'cancelled']);
  // Read from the executions list: the execution store cannot yet read back a parked step run (see report).
  const waitingExecution = (pipeline: string, eventId: string) =>
    eventually(async () => {
      const e = (await service.infra.store.listExecutions({ pipelineId: pipelines[pipeline], limit: 100 })).items.find((x) => x.eventId === eventId);
      return e?.status === 'waiting' ? e : undefined;
    }, `the ${pipeline} execution for ${eventId} to wait`);
  const promotionsOf = (executionId: string) => api<{ items: PromotionView[]; next_cursor: string | null }>('GET', `promotions?execution_id=${executionId}`);
  const step = (e: ExecutionWithSteps, name: string) => e.stepRuns.find((s) => s.stepName === name)!;
  const completedEvents = async (promotionId: string) =>
    (await redis.xrange(env.config.events.stream, '-', '+'))
      .map(([, fields]) => JSON.parse(entryFields(fields).event) as EventEnvelope)
      .filter((e) => e.type === 'promotion.completed' && e.payload.promotion_id === promotionId);
  const publishScenario = async (workspaceId: string, scenarioId: string, version: string | number = 3) =>
    (await publisher.publish('scenario.published', scenarioPublished(workspaceId, scenarioId, version), { workspaceId })).id;

  it("runs the spec's pipeline: promotes dev → test, notifies Slack, announces the promotion, and a chained pipeline runs", async () => {
    const eventId = await publishScenario(SPEC_WORKSPACE, 'sc-100', 3);
    const done = await finished((await executionFor('spec', eventId)).id);
    expect(done.status).toBe('succeeded');
    const promote = step(done, 'auto_promote');
    expect(promote.outputs).toMatchObject({ status: 'completed', entity_type: 'scenario', entity_id: 'sc-100', version: '3', from_environment: 'dev', to_environment: 'test' });
    const promotionId = (promote.outputs as { promotion_id: string }).promotion_id;

    // Slack got the spec's message through the SLACK_WEBHOOK_URL secret (the YAML's URL is a placeholder).
    const [post] = await slack.waitFor(1);
    expect(post.json).toMatchObject({ channel: '#devops', text: 'Scenario checkout-happy-path promoted to test' });

    // The workspace now holds version 3 in dev (recorded from the event) and in test (by the promotion).
    const view = await api<{ environments: { name: string; entities: { entity_id: string; version: string; promotion_id: string | null }[] }[] }>('GET', `workspaces/${SPEC_WORKSPACE}/environments`);
    expect(view.status).toBe(200);
    expect(view.body.environments.map((e) => [e.name, e.entities.map((x) => `${x.entity_id}@${x.version}`)])).toEqual([
      ['dev', ['sc-100@3']],
      ['test', ['sc-100@3']],
      ['prod', []],
    ]);
    expect(view.body.environments[1].entities[0].promotion_id).toBe(promotionId);

    // The mock platform got the promotion, signed with the PROMOTION_WEBHOOK_SECRET.
    const [delivery] = await platform.waitFor(1);
    expect(delivery.pathname).toBe('/api/promotions');
    expect(delivery.headers['x-mockops-signature']).toBe(`sha256=${createHmac('sha256', 'promo-secret-1').update(delivery.rawBody).digest('hex')}`);
    expect(delivery.json).toMatchObject({ event: 'promotion.completed', promotion: { id: promotionId, status: 'completed', version: '3', workspace_id: SPEC_WORKSPACE } });

    // promotion.completed is on the stream, and the pipeline chained on it ran.
    const [completed] = await completedEvents(promotionId);
    expect(completed).toMatchObject({
      id: `promotion.completed:${promotionId}`,
      workspace_id: SPEC_WORKSPACE,
      payload: { promotion_id: promotionId, entity_type: 'scenario', entity_id: 'sc-100', version: '3', from_environment: 'dev', to_environment: 'test' },
    });
    const chained = await finished((await executionFor('chain', completed.id)).id);
    expect(chained.status).toBe('succeeded');
    const [hook] = await eventually(async () => hooks.requests.filter((r) => r.pathname === '/chain').length ? hooks.requests.filter((r) => r.pathname === '/chain') : undefined, 'the chained webhook');
    expect((hook.json as { message: string }).message).toBe(`scenario sc-100 v3 reached test (${promotionId})`);
  });

  it('promotes once for a duplicate delivery of the same event and for a re-run of the same step', async () => {
    const envelope = { id: 'dup-publish-1', type: 'scenario.published', workspace_id: SPEC_WORKSPACE, payload: scenarioPublished(SPEC_WORKSPACE, 'sc-dup', 5) };
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify(envelope));
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify(envelope));
    const done = await finished((await executionFor('spec', 'dup-publish-1')).id);
    expect(done.status).toBe('succeeded');

    // The worker running the same step again (a redelivered job after a crash) finds the promotion it made.
    const handler = ALL_STEP_HANDLERS.auto_promote(service.infra);
    const rerun = await handler.run(
      buildStepRunContext(
        { entity_type: 'scenario', entity_id: 'sc-dup', from_environment: 'dev', to_environment: 'test' },
        { executionId: done.id, pipelineId: done.pipelineId, pipelineName: 'auto-promote-to-test', stepName: 'auto_promote', attempt: 2, event: done.event as EventEnvelope, workspaceId: null, startedAt: done.startedAt! },
      ),
    );
    expect(rerun.outputs).toEqual(step(done, 'auto_promote').outputs);

    const promotions = await new PromotionStore(service.infra.dataSource).listPromotions({ workspaceId: SPEC_WORKSPACE, entityId: 'sc-dup' });
    expect(promotions.items).toHaveLength(1);
    expect(await completedEvents(promotions.items[0].id)).toHaveLength(1);
  });

  it('parks an approval-gated promotion without holding a worker, and resumes the pipeline on approval over HTTP', async () => {
    const eventId = await publishScenario('ws-approval', 'sc-200', 7);
    const waiting = await waitingExecution('approval', eventId);
    const parked = await service.infra.dataSource.query(
      `SELECT step_name, status, lease_owner FROM "${env.schema}"."step_runs" WHERE execution_id = $1 ORDER BY step_index`,
      [waiting.id],
    );
    expect(parked).toEqual([
      { step_name: 'promote', status: 'running', lease_owner: expect.stringMatching(/^parked:promotion:/) },
      { step_name: 'report', status: 'pending', lease_owner: null },
    ]);

    const pending = await api<{ items: PromotionView[]; next_cursor: string | null }>('GET', 'promotions?workspace_id=ws-approval&status=pending');
    expect(pending.status).toBe(200);
    expect(pending.body.items).toHaveLength(1);
    const promotion = pending.body.items[0];
    expect(promotion).toMatchObject({ entity_id: 'sc-200', version: '7', status: 'pending', comments: 'needs QA sign-off', execution_id: waiting.id, step_name: 'promote' });
    expect((await api<{ environments: { name: string; entities: unknown[] }[] }>('GET', 'workspaces/ws-approval/environments')).body.environments[1].entities).toEqual([]);

    const approved = await api<PromotionView>('POST', `promotions/${promotion.id}/approve`, { comments: 'QA passed', decided_by: 'alice' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'completed', decided_by: 'alice', decision_comments: 'QA passed' });

    const done = await finished(waiting.id);
    expect(done.status).toBe('succeeded');
    expect(step(done, 'promote')).toMatchObject({ status: 'succeeded', outputs: expect.objectContaining({ promotion_id: promotion.id, status: 'completed' }) });
    const report = await eventually(async () => hooks.requests.find((r) => r.pathname === '/approved'), 'the report webhook');
    expect((report.json as { message: string }).message).toBe('approved sc-200 v7');
    expect(await completedEvents(promotion.id)).toHaveLength(1);

    const again = await api<{ code: string; message: string }>('POST', `promotions/${promotion.id}/approve`, {});
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'CONFLICT', message: `promotion ${promotion.id} is already completed` });
    expect((await api<PromotionView>('GET', `promotions/${promotion.id}`)).body.decided_by).toBe('alice');
    expect((await api<{ code: string }>('GET', 'promotions/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('fails the execution when the promotion is rejected (through the PromotionsService)', async () => {
    const eventId = await publishScenario('ws-approval', 'sc-201', 1);
    const waiting = await waitingExecution('approval', eventId);
    const [promotion] = (await promotionsOf(waiting.id)).body.items;
    expect(promotion).toMatchObject({ status: 'pending', entity_id: 'sc-201' });
    const promotionId = promotion.id;

    const rejected = await service.app.get(PromotionsService).reject(promotionId, { comments: 'broken fixtures', decided_by: 'bob' });
    expect(rejected.status).toBe('rejected');

    const done = await finished(waiting.id);
    expect(done.status).toBe('failed');
    expect(step(done, 'promote')).toMatchObject({ status: 'failed', errorCode: 'PROMOTION_REJECTED', error: `promotion ${promotionId} was rejected by bob: broken fixtures` });
    expect(step(done, 'report').status).toBe('skipped');
    const { versions } = await new PromotionStore(service.infra.dataSource).getEnvironments('ws-approval');
    expect(versions.filter((v) => v.entityId === 'sc-201' && v.environment === 'test')).toEqual([]);
    await expect(service.app.get(PromotionsService).approve(promotionId)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses to skip an environment without allow_skip, and fails on an entity missing from the source', async () => {
    const skipId = await publishScenario('ws-skip', 'sc-300');
    const skipped = await finished((await executionFor('skip', skipId)).id);
    expect(skipped.status).toBe('failed');
    expect(step(skipped, 'promote')).toMatchObject({ status: 'failed', attempts: 1, errorCode: 'PROMOTION_OUT_OF_ORDER' });
    expect(step(skipped, 'promote').error).toContain('promoting from "dev" to "prod" skips "test"');

    const { id: personaEvent } = await publisher.publish('persona.updated', { persona_id: 'p-404' }, { workspaceId: 'ws-persona' });
    const missing = await finished((await executionFor('persona', personaEvent)).id);
    expect(missing.status).toBe('failed');
    expect(step(missing, 'promote')).toMatchObject({ status: 'failed', attempts: 1, errorCode: 'PROMOTION_ENTITY_MISSING' });
    expect(step(missing, 'promote').error).toContain('persona p-404 is not in environment "dev" of workspace ws-persona');

    const failed = await api<{ items: PromotionView[] }>('GET', 'promotions?status=failed');
    expect(failed.body.items.map((p) => p.entity_id).sort()).toEqual(['p-404', 'sc-300']);
  });

  it('sets a workspace order over HTTP and refuses a bad one with the API error shape', async () => {
    const bad = await api<{ code: string; message: string }>('PUT', 'workspaces/ws-order/environments', { environments: ['dev'] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', message: 'a promotion order needs at least two environments' });
    const set = await api<{ configured: boolean; order: string[]; environments: { name: string }[] }>('PUT', 'workspaces/ws-order/environments', { environments: ['dev', 'qa', 'staging', 'prod'] });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ configured: true, order: ['dev', 'qa', 'staging', 'prod'] });
    expect((await api<{ order: string[] }>('GET', 'workspaces/ws-order/environments')).body.order).toEqual(['dev', 'qa', 'staging', 'prod']);
    expect((await api<{ code: string }>('GET', 'promotions?status=done')).body.code).toBe('VALIDATION_FAILED');
  });
});
