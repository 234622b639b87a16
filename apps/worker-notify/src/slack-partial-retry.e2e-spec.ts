import { Redis } from 'ioredis';
import { parsePipeline } from '@mockops/pipeline-core';
import { EventPublisher } from '@mockops/event-stream';
import { MatcherService, startService, type RunningService } from '@mockops/runtime';
import { createTestEnv, eventually, startHttpSink, TEST_REDIS_URL, type HttpSink, type TestEnv } from '@mockops/testing';

// A Slack webhook that fails one channel once: the retry posts only to the channels still missing, so
// nobody gets the message twice. Real stream, matcher, BullMQ worker, Postgres store and HTTP peer.
describe('notify/slack: a retry after a partial failure posts only what is missing', () => {
  let env: TestEnv;
  let service: RunningService;
  let slack: HttpSink;
  let redis: Redis;
  let pipelineId: string;

  beforeAll(async () => {
    let failedOnce = false;
    slack = await startHttpSink({
      respond: (req) => {
        const channel = (req.json as { channel?: string }).channel;
        if (channel === '#b' && !failedOnce) {
          failedOnce = true;
          return { status: 503, headers: { 'retry-after': '1' }, body: 'try later' };
        }
        return 200;
      },
    });
    env = await createTestEnv();
    service = await startService({ name: 'slack-retry', matcher: true, handlers: ['notify'] }, { config: env.config });
    redis = new Redis(TEST_REDIS_URL);
    const source = `name: three-channels
definition:
  triggers:
    - event: scenario.published
  steps:
    - name: tell
      step_type: notify
      retries:
        max_attempts: 3
        backoff_seconds: 1
      config:
        type: slack
        slack_webhook_url: "${slack.url}/services/T0/B0/token"
        channels: ["#a", "#b", "#c"]
        message: "{{event.scenario_id}} published"
`;
    const parsed = parsePipeline(source);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    pipelineId = (await service.infra.store.createPipeline({ name: 'three-channels', workspaceId: null, document: parsed.document, sourceText: source, sourceFormat: 'yaml' })).id;
    await service.infra.notifier.notify(pipelineId, 'created');
    await eventually(async () => service.app.get(MatcherService).matcher.index.size === 1, 'the pipeline to be indexed');
  });

  afterAll(async () => {
    await service?.stop();
    await redis?.quit();
    await slack?.stop();
    await env?.cleanup();
  });

  it('posts to #a and #c once and to #b once more after its failure; the step succeeds on its second attempt', async () => {
    await new EventPublisher(redis, { stream: env.config.events.stream }).publish('scenario.published', { scenario_id: 'sc-1', scenario_name: 'n', version: 1 });
    const done = await eventually(async () => {
      const [e] = (await service.infra.store.listExecutions({ pipelineId })).items;
      return e && e.status === 'succeeded' ? service.infra.store.getExecution(e.id) : undefined;
    }, 'the execution to succeed');

    const posts = slack.requests.map((r) => (r.json as { channel: string }).channel);
    expect(posts).toEqual(['#a', '#b', '#b', '#c']);
    const [step] = done!.stepRuns;
    expect(step).toMatchObject({ status: 'succeeded', attempts: 2, progress: { slack_delivered: ['#a', '#b', '#c'] } });
    expect(step.outputs).toMatchObject({ delivered: 3, channels: ['#a', '#b', '#c'] });
    expect(step.logs.map((l) => l.message)).toEqual(expect.arrayContaining([expect.stringContaining('already delivered by an earlier attempt to #a')]));
  });
});
