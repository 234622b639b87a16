import { parsePipeline } from '@mockops/pipeline-core';
import { deadLetterStreamOf, entryFields, MATCHER_GROUP } from '@mockops/event-stream';
import { openInfrastructure, type Infrastructure } from '@mockops/runtime';
import { createTestEnv, eventually, type TestEnv } from '@mockops/testing';
import { TriggerMatcher, type MatcherStore } from '@mockops/matcher';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

// Entries whose processing keeps failing: a poison entry is dead-lettered, an outage keeps everything.
describe('TriggerMatcher with entries that keep failing (real Redis and Postgres)', () => {
  let env: TestEnv;
  let infra: Infrastructure;
  let pipelineId: string;

  beforeAll(async () => {
    env = await createTestEnv();
    infra = await openInfrastructure(env.config);
    const source = `name: poison\ndefinition:\n  triggers:\n    - event: scenario.published\n  steps:\n    - name: hook\n      step_type: notify\n      config:\n        type: webhook\n        webhook_url: "http://127.0.0.1:9/x"\n        message: "m"\n`;
    const parsed = parsePipeline(source);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    pipelineId = (await infra.store.createPipeline({ name: 'poison', workspaceId: null, document: parsed.document, sourceText: source, sourceFormat: 'yaml' })).id;
  });

  afterAll(async () => {
    await infra?.close();
    await env?.cleanup();
  });

  const publish = (stream: string, id: string) =>
    infra.redis.xadd(stream, '*', 'event', JSON.stringify({ id, type: 'scenario.published', payload: { scenario_id: id } }));

  function matcher(stream: string, store: MatcherStore): TriggerMatcher {
    return new TriggerMatcher({
      redis: infra.redis,
      store,
      advancer: infra.advancer,
      stream,
      batchSize: 10,
      blockMs: 50,
      claimIdleMs: 60_000,
      startId: '0',
      reloadMs: 60_000,
      logger: quiet,
    });
  }

  it('dead-letters the one entry that keeps failing while Postgres answers, and runs the others', async () => {
    const stream = `${env.config.events.stream}:poison`;
    for (const id of ['ok-1', 'poison-1', 'ok-2']) await publish(stream, id);
    const store: MatcherStore = {
      ...infra.store,
      loadEnabledPipelines: () => infra.store.loadEnabledPipelines(),
      getIndexedPipeline: (id) => infra.store.getIndexedPipeline(id),
      createExecutions: (matches) =>
        matches.some((m) => m.event.id === 'poison-1') ? Promise.reject(new Error('simulated rejection')) : infra.store.createExecutions(matches),
    };
    const m = matcher(stream, store);
    await m.start();
    try {
      const dead = await eventually(async () => {
        const entries = await infra.redis.xrange(deadLetterStreamOf(stream), '-', '+');
        return entries.length ? entries.map(([, f]) => entryFields(f)) : undefined;
      }, 'the poison entry to be dead-lettered', 30_000);
      expect(dead).toHaveLength(1);
      expect(dead[0].reason).toBe('processing failed repeatedly: simulated rejection');
      expect(JSON.parse(dead[0].original).id).toBe('poison-1');
      // The entries after the poison one are processed (and acked) too.
      await eventually(async () => ((await infra.redis.xpending(stream, MATCHER_GROUP)) as [number])[0] === 0, 'nothing left pending');
      const { items } = await infra.store.listExecutions({ pipelineId, limit: 10 });
      expect(items.map((e) => e.eventId).sort()).toEqual(['ok-1', 'ok-2']);
    } finally {
      await m.stop();
    }
  });

  it('keeps every entry while Postgres does not answer, and runs them once it does', async () => {
    const stream = `${env.config.events.stream}:outage`;
    for (const id of ['o-1', 'o-2']) await publish(stream, id);
    let down = true;
    const store: MatcherStore = {
      ...infra.store,
      loadEnabledPipelines: () => infra.store.loadEnabledPipelines(),
      getIndexedPipeline: (id) => (down ? Promise.reject(new Error('connection refused')) : infra.store.getIndexedPipeline(id)),
      createExecutions: (matches) => (down ? Promise.reject(new Error('connection refused')) : infra.store.createExecutions(matches)),
    };
    const m = matcher(stream, store);
    await m.start();
    try {
      // Long enough for several failed batches and at least one one-by-one pass.
      await new Promise((r) => setTimeout(r, 5_000));
      expect(await infra.redis.xlen(deadLetterStreamOf(stream))).toBe(0);
      const pending = (await infra.redis.xpending(stream, MATCHER_GROUP)) as [number, ...unknown[]];
      expect(pending[0]).toBe(2);

      down = false;
      await eventually(async () => {
        const { items } = await infra.store.listExecutions({ pipelineId, limit: 20 });
        return ['o-1', 'o-2'].every((id) => items.some((e) => e.eventId === id));
      }, 'both executions after the outage', 30_000);
      expect(await infra.redis.xlen(deadLetterStreamOf(stream))).toBe(0);
    } finally {
      await m.stop();
    }
  });
});
