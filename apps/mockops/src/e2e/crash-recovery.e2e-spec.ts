import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parsePipeline, resolveStepRuntime, type PipelineDocument } from '@mockops/pipeline-core';
import { EventPublisher, MATCHER_GROUP } from '@mockops/event-stream';
import { MatcherService, startService, type RunningService } from '@mockops/runtime';
import { createTestEnv, eventually, startHttpSink, TEST_REDIS_URL, webhookPipeline, type HttpSink, type TestEnv } from '@mockops/testing';

const root = join(__dirname, '..', '..', '..', '..');

const hookPipeline = (url: string) => webhookPipeline('crash-hook', url, 'published {{event.scenario_id}}');

/** Starts apps/worker-notify as its own process, the way Kubernetes runs it. */
function spawnWorker(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['-r', '@swc-node/register', 'apps/worker-notify/src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env, SWC_NODE_PROJECT: 'tsconfig.runtime.json', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function setup(env: TestEnv, service: RunningService, url: string): Promise<{ id: string; document: PipelineDocument }> {
  const source = hookPipeline(url);
  const parsed = parsePipeline(source);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const p = await service.infra.store.createPipeline({ name: 'crash-hook', workspaceId: null, document: parsed.document, sourceText: source, sourceFormat: 'yaml' });
  await service.infra.notifier.notify(p.id, 'created');
  return { id: p.id, document: parsed.document };
}

describe('crash recovery', () => {
  let hooks: HttpSink;
  let redis: Redis;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    hooks = await startHttpSink();
    redis = new Redis(TEST_REDIS_URL);
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await hooks.stop();
    await redis.quit();
  });

  it('a worker killed (SIGKILL) in the middle of a step: the step is retried elsewhere with the same Idempotency-Key', async () => {
    const env = await createTestEnv();
    const matcherOnly = await startService({ name: 'matcher', matcher: true }, { config: env.config });
    let release: () => void = () => undefined;
    try {
      hooks.reset();
      // The first delivery hangs (the worker dies while waiting); the next one is answered.
      let first = true;
      const hang = new Promise<void>((r) => (release = r));
      hooks.respondWith(async () => {
        if (first) {
          first = false;
          await hang;
        }
        return 200;
      });
      const { id: pipelineId } = await setup(env, matcherOnly, `${hooks.url}/hook`);
      const workerA = spawnWorker(env.env);
      children.push(workerA);
      const publisher = new EventPublisher(redis, { stream: env.config.events.stream });
      await eventually(async () => matcherOnly.app.get(MatcherService).matcher.index.size === 1, 'indexing');
      await publisher.publish('scenario.published', { scenario_id: 'sc-kill', scenario_name: 'k', version: '1', workspace_id: 'w' }, { id: 'kill-1' });

      await hooks.waitFor(1, 60_000);
      workerA.kill('SIGKILL');
      await new Promise((r) => workerA.once('exit', r));

      const workerB = spawnWorker(env.env);
      children.push(workerB);
      const execution = await eventually(async () => {
        const [e] = (await matcherOnly.infra.store.listExecutions({ pipelineId, limit: 10 })).items;
        const full = e && (await matcherOnly.infra.store.getExecution(e.id));
        return full && full.status === 'succeeded' ? full : undefined;
      }, 'the execution to succeed on the second worker', 60_000);
      workerB.kill('SIGTERM');

      expect(execution.stepRuns[0].status).toBe('succeeded');
      expect(execution.stepRuns[0].attempts).toBe(2);
      expect(hooks.requests).toHaveLength(2);
      const keys = hooks.requests.map((r) => r.headers['idempotency-key']);
      expect(keys[0]).toBe(`${execution.id}:hook`);
      expect(keys[1]).toBe(keys[0]);
    } finally {
      release();
      await matcherOnly.stop();
      await env.cleanup();
    }
  }, 120_000);

  it('SIGTERM lets a worker finish the step in flight before it exits', async () => {
    const env = await createTestEnv();
    const matcherOnly = await startService({ name: 'matcher', matcher: true }, { config: env.config });
    try {
      hooks.reset();
      // The receiver takes 2 s to answer: SIGTERM arrives while the step is running.
      hooks.respondWith(async () => {
        await new Promise((r) => setTimeout(r, 2000));
        return 200;
      });
      const { id: pipelineId } = await setup(env, matcherOnly, `${hooks.url}/slow`);
      await eventually(async () => matcherOnly.app.get(MatcherService).matcher.index.size === 1, 'indexing');
      const worker = spawnWorker(env.env);
      children.push(worker);
      const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
      const publisher = new EventPublisher(redis, { stream: env.config.events.stream });
      await publisher.publish('scenario.published', { scenario_id: 'sc-term', scenario_name: 't', version: '1', workspace_id: 'w' }, { id: 'term-1' });

      await hooks.waitFor(1, 60_000);
      worker.kill('SIGTERM');
      expect(await exited).toBe(0);
      const [e] = (await matcherOnly.infra.store.listExecutions({ pipelineId, limit: 10 })).items;
      const full = await matcherOnly.infra.store.getExecution(e.id);
      expect(full!.status).toBe('succeeded');
      expect(full!.stepRuns[0].attempts).toBe(1);
      expect(hooks.requests).toHaveLength(1);
    } finally {
      await matcherOnly.stop();
      await env.cleanup();
    }
  }, 90_000);

  it('the matcher killed after reading and before acking: no lost and no duplicate executions', async () => {
    const env = await createTestEnv();
    // A first process only creates the pipeline; its matcher is not running.
    const admin = await startService({ name: 'admin' }, { config: env.config });
    const { id: pipelineId, document } = await setup(env, admin, `${hooks.url}/ok`);
    hooks.reset();
    hooks.respondWith(() => 200);

    const stream = env.config.events.stream;
    await redis.xgroup('CREATE', stream, MATCHER_GROUP, '0', 'MKSTREAM');
    const ids = ['m-1', 'm-2', 'm-3'];
    for (const id of ids) {
      await redis.xadd(stream, '*', 'event', JSON.stringify({ id, type: 'scenario.published', payload: { scenario_id: id, scenario_name: id, version: '1', workspace_id: 'w' } }));
    }
    // The crashed matcher read all three...
    const read = (await redis.xreadgroup('GROUP', MATCHER_GROUP, 'crashed-consumer', 'COUNT', 10, 'STREAMS', stream, '>')) as [string, [string, string[]][]][];
    expect(read[0][1]).toHaveLength(3);
    // ...and had committed the execution of the first one before dying (no job enqueued, no ack).
    const revisionId = (await admin.infra.store.getPipeline(pipelineId))!.currentRevisionId;
    await admin.infra.store.createExecutions([
      {
        pipelineId,
        revisionId,
        workspaceId: null,
        event: { id: 'm-1', type: 'scenario.published', occurred_at: new Date().toISOString(), payload: { scenario_id: 'm-1', scenario_name: 'm-1', version: '1', workspace_id: 'w' } },
        steps: document.definition.steps.map((s) => ({ name: s.name, stepType: s.step_type, maxAttempts: resolveStepRuntime(s).maxAttempts })),
      },
    ]);
    await admin.stop();

    const survivor = await startService({ name: 'survivor', matcher: true, handlers: ['notify'] }, { config: env.config });
    try {
      const executions = await eventually(async () => {
        const items = (await survivor.infra.store.listExecutions({ pipelineId, limit: 10 })).items;
        return items.length === 3 && items.every((e) => e.status === 'succeeded') ? items : undefined;
      }, 'three succeeded executions', 30_000);
      expect(executions.map((e) => e.eventId).sort()).toEqual(ids);
      // Exactly one delivery per event, and nothing left pending in the group.
      expect(hooks.requests.map((r) => (r.json as { message: string }).message).sort()).toEqual(ids.map((id) => `published ${id}`));
      // Acks follow the batch's commit and enqueue; they may land just after the steps ran.
      await eventually(async () => ((await redis.xpending(stream, MATCHER_GROUP)) as [number])[0] === 0, 'every entry to be acked');
    } finally {
      await survivor.stop();
      await env.cleanup();
    }
  }, 90_000);
});
