import { parsePipeline } from '@mockops/pipeline-core';
import { EventPublisher, MATCHER_GROUP } from '@mockops/event-stream';
import { MatcherService, startService, type RunningService } from '@mockops/runtime';
import { createTestEnv, eventually, startHttpSink, webhookPipeline, type HttpSink, type TestEnv } from '@mockops/testing';

// Two processes, each with a matcher replica and notify workers, sharing one consumer group and queues.
describe('several matcher replicas', () => {
  let env: TestEnv;
  let hooks: HttpSink;
  let a: RunningService;
  let b: RunningService;

  beforeAll(async () => {
    hooks = await startHttpSink();
    env = await createTestEnv({ MOCKOPS_MATCHER_BATCH: '5' });
    a = await startService({ name: 'replica-a', matcher: true, handlers: ['notify'] }, { config: env.config });
    b = await startService({ name: 'replica-b', matcher: true, handlers: ['notify'] }, { config: env.config });
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await hooks?.stop();
    await env?.cleanup();
  });

  it('a pipeline change reaches every replica, and each event runs once', async () => {
    const source = webhookPipeline('replicated', `${hooks.url}/r`);
    const parsed = parsePipeline(source);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const p = await a.infra.store.createPipeline({ name: 'replicated', workspaceId: null, document: parsed.document, sourceText: source, sourceFormat: 'yaml' });
    await a.infra.notifier.notify(p.id, 'created');
    // Announced on pub/sub: both indexes have it without waiting for the periodic reload (60 s here).
    await eventually(async () => a.app.get(MatcherService).matcher.index.size === 1 && b.app.get(MatcherService).matcher.index.size === 1, 'both replicas to index the pipeline', 2_000);

    const publisher = new EventPublisher(a.infra.redis, { stream: env.config.events.stream });
    const ids = Array.from({ length: 30 }, (_, i) => `rep-${i}`);
    await Promise.all(ids.map((id) => publisher.publish('scenario.published', { scenario_id: id, scenario_name: id, version: '1', workspace_id: 'w' }, { id })));

    const executions = await eventually(async () => {
      const { items } = await a.infra.store.listExecutions({ pipelineId: p.id, limit: 100 });
      return items.length === ids.length && items.every((e) => e.status === 'succeeded') ? items : undefined;
    }, 'every execution to succeed', 30_000);
    expect(new Set(executions.map((e) => e.eventId))).toEqual(new Set(ids));
    expect(hooks.requests.map((r) => (r.json as { message: string }).message).sort()).toEqual([...ids].sort());
    // Acks follow the batch's commit and enqueue; they may land just after the steps ran.
    await eventually(async () => ((await a.infra.redis.xpending(env.config.events.stream, MATCHER_GROUP)) as [number])[0] === 0, 'every entry to be acked');

    // Disabling reaches both replicas too: a later event creates nothing.
    await a.infra.store.setPipelineEnabled(p.id, false);
    await a.infra.notifier.notify(p.id, 'disabled');
    await eventually(async () => a.app.get(MatcherService).matcher.index.size === 0 && b.app.get(MatcherService).matcher.index.size === 0, 'both replicas to drop the pipeline', 2_000);
  });
});
