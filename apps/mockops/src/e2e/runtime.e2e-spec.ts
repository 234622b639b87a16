import { createHmac } from 'node:crypto';
import { Redis } from 'ioredis';
import { parsePipeline } from '@mockops/pipeline-core';
import { deadLetterStreamOf, entryFields, EventPublisher } from '@mockops/event-stream';
import { MatcherService, startService, type RunningService } from '@mockops/runtime';
import { createTestEnv, eventually, startHttpSink, startSmtpSink, TEST_REDIS_URL, type HttpSink, type SmtpSink, type TestEnv } from '@mockops/testing';
import { scenarioEvent, scenarioNotifyPipeline } from './pipeline-builders';

// The spec's "Scenario Published" flow with notify steps, through the real stream, matcher, BullMQ
// workers and Postgres store, with real Slack/webhook (HTTP) and SMTP peers on loopback.
describe('event → matcher → workers → store (one process)', () => {
  let env: TestEnv;
  let service: RunningService;
  let redis: Redis;
  let slack: HttpSink;
  let hooks: HttpSink;
  let smtp: SmtpSink;
  let pipelineId: string;
  const workspace = 'ws-e2e';

  beforeAll(async () => {
    [slack, hooks, smtp] = await Promise.all([startHttpSink(), startHttpSink(), startSmtpSink({ auth: { user: 'ops', pass: 'smtp-pass-1' } })]);
    env = await createTestEnv();
    service = await startService(
      { name: 'e2e', matcher: true, handlers: ['notify'] },
      { config: env.config, overrides: { secrets: { HOOK_SECRET: 'hook-secret-1', SMTP_URL: smtp.url } } },
    );
    redis = new Redis(TEST_REDIS_URL);
    const source = scenarioNotifyPipeline({
      name: 'scenario-notify',
      workspaceId: workspace,
      slackUrl: `${slack.url}/services/T000/B000/slack-token-1`,
      webhookUrl: `${hooks.url}/hooks/mockops`,
      emailTo: 'team@example.test',
    });
    const parsed = parsePipeline(source);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const created = await service.infra.store.createPipeline({
      name: parsed.document.name,
      workspaceId: null,
      document: parsed.document,
      sourceText: source,
      sourceFormat: 'yaml',
    });
    pipelineId = created.id;
    await service.infra.notifier.notify(pipelineId, 'created');
    await eventually(async () => service.app.get(MatcherService).matcher.index.size === 1, 'the matcher to index the pipeline');
  });

  afterAll(async () => {
    await service?.stop();
    await redis?.quit();
    await Promise.all([slack?.stop(), hooks?.stop(), smtp?.stop()]);
    await env?.cleanup();
  });

  const executionsOf = async (id = pipelineId) => (await service.infra.store.listExecutions({ pipelineId: id, limit: 100 })).items;
  const finished = (id: string) =>
    eventually(async () => {
      const e = await service.infra.store.getExecution(id);
      return e && ['succeeded', 'failed', 'cancelled'].includes(e.status) ? e : undefined;
    }, `execution ${id} to finish`);

  it('runs every notify step and delivers the rendered templates (producer client)', async () => {
    const publisher = new EventPublisher(redis, { stream: env.config.events.stream });
    const { id } = await publisher.publish('scenario.published', scenarioEvent(workspace), { workspaceId: workspace });

    const [execution] = await eventually(async () => {
      const list = await executionsOf();
      return list.find((e) => e.eventId === id) ? list.filter((e) => e.eventId === id) : undefined;
    }, 'the execution to be created');
    const done = await finished(execution.id);
    expect(done.status).toBe('succeeded');
    expect(done.stepRuns.map((s) => [s.stepName, s.status, s.attempts])).toEqual([
      ['notify_slack', 'succeeded', 1],
      ['notify_email', 'succeeded', 1],
      ['notify_webhook', 'succeeded', 1],
    ]);

    // Slack: one message per channel, with the channel set and the rendered text.
    const posts = await slack.waitFor(2);
    expect(posts.map((p) => (p.json as { channel: string }).channel).sort()).toEqual(['#devops', '#qa']);
    expect((posts[0].json as { text: string }).text).toBe(`Scenario checkout-happy-path v3 published in ${workspace}`);

    // Email over SMTP with auth.
    const [mail] = await smtp.waitFor(1);
    expect(mail.subject).toBe('Scenario checkout-happy-path published');
    expect(mail.text?.trim()).toBe(`Execution ${execution.id} of scenario-notify`);
    expect(smtp.envelopes[0].user).toBe('ops');

    // Webhook: signed body carrying the earlier step's output, stable idempotency key.
    const [hook] = await hooks.waitFor(1);
    const body = hook.json as { message: string; execution: { id: string } };
    expect(body.message).toBe('2 slack messages sent for sc-1');
    expect(body.execution.id).toBe(execution.id);
    const expected = createHmac('sha256', 'hook-secret-1').update(hook.rawBody).digest('hex');
    expect(hook.headers['x-mockops-signature']).toBe(`sha256=${expected}`);
    expect(hook.headers['idempotency-key']).toBe(`${execution.id}:notify_webhook`);

    // Stored config is redacted: no Slack token, no secret values.
    const stored = JSON.stringify(done.stepRuns.map((s) => s.renderedConfig));
    expect(stored).not.toContain('slack-token-1');
    expect(stored).not.toContain('hook-secret-1');
    expect(stored).toContain('Scenario checkout-happy-path v3 published');
  });

  it('accepts a raw XADD from a producer that is not ours', async () => {
    slack.reset();
    const envelope = { id: 'raw-evt-1', type: 'scenario.published', workspace_id: workspace, payload: scenarioEvent(workspace, 'sc-raw') };
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify(envelope));
    const execution = await eventually(async () => (await executionsOf()).find((e) => e.eventId === 'raw-evt-1'), 'the raw event execution');
    expect((await finished(execution.id)).status).toBe('succeeded');
  });

  it('creates nothing for a non-matching event and one execution for a repeated event id', async () => {
    const before = (await executionsOf()).length;
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify({ id: 'other-ws', type: 'scenario.published', workspace_id: 'someone-else', payload: scenarioEvent('someone-else') }));
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify({ id: 'other-type', type: 'drift.threshold_exceeded', payload: { endpoint: '/x', drift_count: 1, threshold: 0, drift_data: {} } }));
    const dup = { id: 'dup-1', type: 'scenario.published', workspace_id: workspace, payload: scenarioEvent(workspace, 'sc-dup') };
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify(dup));
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify(dup));
    // A marker after them: once it is processed, the earlier entries were too (one consumer, in order).
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify({ id: 'marker-1', type: 'scenario.published', workspace_id: workspace, payload: scenarioEvent(workspace, 'sc-m') }));
    await eventually(async () => (await executionsOf()).find((e) => e.eventId === 'marker-1'), 'the marker execution');
    const all = await executionsOf();
    expect(all.filter((e) => e.eventId === 'dup-1')).toHaveLength(1);
    expect(all.some((e) => e.eventId === 'other-ws' || e.eventId === 'other-type')).toBe(false);
    expect(all.length).toBe(before + 2);
  });

  it('dead-letters a malformed entry with its reason and keeps the stream flowing', async () => {
    await redis.xadd(env.config.events.stream, '*', 'event', '{not json');
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify({ id: 'bad-payload', type: 'scenario.published', payload: { scenario_name: 'no id' } }));
    await redis.xadd(env.config.events.stream, '*', 'other', 'field');
    // A NUL in the id cannot be stored in Postgres text: it must not block the batch forever.
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify({ id: 'nul\u0000id', type: 'scenario.published', workspace_id: workspace, payload: scenarioEvent(workspace, 'sc-nul') }));
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify({ id: 'after-bad', type: 'scenario.published', workspace_id: workspace, payload: scenarioEvent(workspace, 'sc-after') }));
    await eventually(async () => (await executionsOf()).find((e) => e.eventId === 'after-bad'), 'the event after the malformed ones');
    // The batch's executions are committed before its dead letters and acks are written: wait for those.
    await eventually(async () => ((await redis.xpending(env.config.events.stream, 'mockops-matcher')) as [number])[0] === 0, 'the batch to be acked');
    const dead = (await redis.xrange(deadLetterStreamOf(env.config.events.stream), '-', '+')).map(([, f]) => entryFields(f));
    expect(dead).toHaveLength(4);
    expect(dead[0].reason).toMatch(/invalid JSON/);
    expect(dead[0].original).toBe('{not json');
    expect(dead[1].reason).toMatch(/scenario_id/);
    expect(dead[2].reason).toMatch(/no "event" field/);
    expect(dead[3].reason).toMatch(/id: must not contain control characters/);
  });

  it('fails a webhook to a private address that is not allow-listed, with a clear step error', async () => {
    const source = `name: private-hook
definition:
  triggers:
    - event: drift.threshold_exceeded
  steps:
    - name: hook
      step_type: notify
      config:
        type: webhook
        webhook_url: "http://10.0.0.1/hook"
        message: "drift on {{event.endpoint}}"
`;
    const parsed = parsePipeline(source);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const p = await service.infra.store.createPipeline({ name: 'private-hook', workspaceId: null, document: parsed.document, sourceText: source, sourceFormat: 'yaml' });
    await service.infra.notifier.notify(p.id, 'created');
    await eventually(async () => service.app.get(MatcherService).matcher.index.size === 2, 'the second pipeline to be indexed');
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify({ id: 'drift-private', type: 'drift.threshold_exceeded', payload: { endpoint: '/pets', drift_count: 3, threshold: 2, drift_data: {} } }));
    const execution = await eventually(async () => (await executionsOf(p.id))[0], 'the drift execution');
    const done = await finished(execution.id);
    expect(done.status).toBe('failed');
    expect(done.stepRuns[0].status).toBe('failed');
    expect(done.stepRuns[0].attempts).toBe(1);
    expect(done.stepRuns[0].error).toMatch(/10\.0\.0\.1.*(private|not allowed)|not allowed.*10\.0\.0\.1/);
    expect(done.error).toMatch(/step "hook" failed/);
  });
});
