import { Redis } from 'ioredis';
import { verifyWebhookSignature } from '@mockops/egress';
import { parsePipeline } from '@mockops/pipeline-core';
import { EventPublisher } from '@mockops/event-stream';
import { MatcherService, startService, type RunningService } from '@mockops/runtime';
import { createTestEnv, eventually, startHttpSink, TEST_REDIS_URL, type HttpSink, type TestEnv } from '@mockops/testing';

const API_TOKEN = 'Bearer op-api-token-5c1e9a77';
const HOOK_KEY = 'op-hook-key-0b7d21f4';
const GITHUB_TOKEN = 'ghp_operatorToken0123456789abcdef';

// A pipeline whose http_request step calls an API (failing once, then answering JSON) and whose notify
// step's message is made of that answer. Real stream, matcher, BullMQ workers, Postgres store and HTTP
// peers; the operator's credentials as the process environment gives them.
describe('http_request in a pipeline: its outputs feed the next step', () => {
  let env: TestEnv;
  let service: RunningService;
  let api: HttpSink;
  let hook: HttpSink;
  let redis: Redis;

  const create = async (source: string) => {
    const parsed = parsePipeline(source);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const id = (await service.infra.store.createPipeline({ name: parsed.document.name, workspaceId: null, document: parsed.document, sourceText: source, sourceFormat: 'yaml' })).id;
    await service.infra.notifier.notify(id, 'created');
    return id;
  };
  const finished = (pipelineId: string) =>
    eventually(async () => {
      const [e] = (await service.infra.store.listExecutions({ pipelineId })).items;
      return e && (e.status === 'succeeded' || e.status === 'failed') ? service.infra.store.getExecution(e.id) : undefined;
    }, 'the execution to finish');

  beforeAll(async () => {
    let failedOnce = false;
    api = await startHttpSink({
      respond: (req) => {
        if (!failedOnce) {
          failedOnce = true;
          return { status: 503, body: 'warming up' };
        }
        return { status: 201, headers: { 'x-request-id': 'req-81' }, body: { owner: 'team-a', scenario: (req.json as { scenario: string }).scenario } };
      },
    });
    hook = await startHttpSink();
    env = await createTestEnv({ MOCKOPS_SECRET_API_TOKEN: API_TOKEN, MOCKOPS_SECRET_HOOK_KEY: HOOK_KEY, GITHUB_TOKEN });
    service = await startService({ name: 'http-request-e2e', matcher: true, handlers: ['http_request', 'notify'] }, { config: env.config });
    redis = new Redis(TEST_REDIS_URL);
  });

  afterAll(async () => {
    await service?.stop();
    await redis?.quit();
    await api?.stop();
    await hook?.stop();
    await env?.cleanup();
  });

  it('calls the API (retried once after a 503, same Idempotency-Key, signed), then notifies with its answer', async () => {
    const pipelineId = await create(`name: call-then-tell
definition:
  triggers:
    - event: scenario.published
  steps:
    - name: lookup
      step_type: http_request
      retries:
        max_attempts: 3
        backoff_seconds: 1
      config:
        url: "${api.url}/scenarios/{{ event.scenario_id }}/owners"
        secret_headers:
          Authorization: "{{ secrets.API_TOKEN }}"
        headers:
          X-Scenario: "{{ event.scenario_id }}"
        body:
          scenario: "{{ event.scenario_id }}"
        signing_secret: "{{ secrets.HOOK_KEY }}"
        expect_status: 201
    - name: tell
      step_type: notify
      config:
        type: webhook
        webhook_url: "${hook.url}/told"
        message: "{{ steps.lookup.outputs.json.owner }} owns {{ steps.lookup.outputs.json.scenario }} (HTTP {{ steps.lookup.outputs.status }}, {{ steps.lookup.outputs.headers['x-request-id'] }})"
`);
    await eventually(async () => service.app.get(MatcherService).matcher.index.size === 1, 'the pipeline to be indexed');
    await new EventPublisher(redis, { stream: env.config.events.stream }).publish('scenario.published', { scenario_id: 'sc-9', scenario_name: 'n', version: 1 });
    const done = await finished(pipelineId);

    expect(done!.status).toBe('succeeded');
    const [lookup, tell] = done!.stepRuns;
    expect(lookup).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(lookup.outputs).toEqual({
      status: 201,
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-81' },
      body: '{"owner":"team-a","scenario":"sc-9"}',
      body_truncated: false,
      json: { owner: 'team-a', scenario: 'sc-9' },
    });
    // Both attempts: the same request, the same key (the receiver can drop the duplicate), a valid signature.
    expect(api.requests).toHaveLength(2);
    for (const req of api.requests) {
      expect(req).toMatchObject({ method: 'POST', pathname: '/scenarios/sc-9/owners', json: { scenario: 'sc-9' } });
      expect(req.headers).toMatchObject({ authorization: API_TOKEN, 'x-scenario': 'sc-9', 'idempotency-key': `${done!.id}:lookup` });
      expect(verifyWebhookSignature(req.rawBody, HOOK_KEY, req.headers['x-mockops-signature'] as string)).toBe(true);
    }
    expect(tell.status).toBe('succeeded');
    const [told] = hook.requests;
    expect((told.json as { message: string }).message).toBe('team-a owns sc-9 (HTTP 201, req-81)');
    // The secrets are masked in the stored config and absent from logs.
    expect((lookup.renderedConfig as { secret_headers: Record<string, string>; signing_secret: string }).secret_headers.Authorization).toBe('***');
    expect((lookup.renderedConfig as { signing_secret: string }).signing_secret).toBe('***');
    const stored = JSON.stringify(done);
    expect(stored).not.toContain('op-api-token-5c1e9a77');
    expect(stored).not.toContain(HOOK_KEY);
  });

  it("cannot send the operator's GitHub token (bound to create_pr's token toward the GitHub API) to a host it names", async () => {
    const seen = api.requests.length;
    const pipelineId = await create(`name: exfiltrate
definition:
  triggers:
    - event: custom.exfiltrate
  steps:
    - name: send
      step_type: http_request
      config:
        url: "${api.url}/collect"
        secret_headers:
          Authorization: "{{ secrets.GITHUB_TOKEN }}"
`);
    await eventually(async () => service.app.get(MatcherService).matcher.index.size === 2, 'the pipeline to be indexed');
    await new EventPublisher(redis, { stream: env.config.events.stream }).publish('custom.exfiltrate', {});
    const done = await finished(pipelineId);
    expect(done!.status).toBe('failed');
    expect(done!.stepRuns[0]).toMatchObject({ status: 'failed', attempts: 1, errorCode: 'SECRET_MISUSED' });
    expect(done!.stepRuns[0].error).toContain('GITHUB_TOKEN is the operator\'s credential for create_pr.token');
    expect(api.requests.slice(seen)).toEqual([]);
    expect(JSON.stringify(done)).not.toContain(GITHUB_TOKEN);
  });
});
