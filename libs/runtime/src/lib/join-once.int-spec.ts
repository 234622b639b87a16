import { parsePipeline, type PipelineDocument } from '@mockops/pipeline-core';
import { stepJobId } from '@mockops/worker-kit';
import { createTestEnv, type TestEnv } from '@mockops/testing';
import { openInfrastructure, type Infrastructure } from './infrastructure';

// A join reached by two branches that end at the same moment on two workers (two processes: each its
// own Postgres pool, Redis connection and queues) is enqueued once: the advances race, the job id is
// deterministic and the claim a compare-and-set.
const DIAMOND = `name: diamond-join
definition:
  triggers:
    - event: drift.threshold_exceeded
  steps:
    - name: start
      step_type: notify
      config: { type: webhook, webhook_url: "https://hooks.example.com/a", message: "a" }
    - name: left
      step_type: notify
      needs: start
      config: { type: webhook, webhook_url: "https://hooks.example.com/b", message: "b" }
    - name: right
      step_type: notify
      needs: start
      config: { type: webhook, webhook_url: "https://hooks.example.com/c", message: "c" }
    - name: join
      step_type: notify
      needs: [left, right]
      config: { type: webhook, webhook_url: "https://hooks.example.com/d", message: "d" }
`;

describe('a join step is enqueued once when its branches end together on two workers', () => {
  let env: TestEnv;
  let one: Infrastructure;
  let two: Infrastructure;
  let document: PipelineDocument;

  beforeAll(async () => {
    env = await createTestEnv();
    one = await openInfrastructure(env.config);
    two = await openInfrastructure(env.config);
    const parsed = parsePipeline(DIAMOND);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    document = parsed.document;
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await env?.cleanup();
  });

  it.each([1, 2, 3, 4, 5])('round %i', async (round) => {
    const pipeline = await one.store.createPipeline({ name: `diamond-${round}`, workspaceId: null, document, sourceText: DIAMOND, sourceFormat: 'yaml' });
    const [{ execution }] = await one.store.createExecutions([
      {
        pipelineId: pipeline.id,
        revisionId: pipeline.currentRevisionId,
        workspaceId: null,
        event: { id: `evt-${round}`, type: 'drift.threshold_exceeded', occurred_at: new Date().toISOString(), payload: {} },
        steps: document.definition.steps.map((s) => ({ name: s.name, stepType: s.step_type, maxAttempts: 1 })),
      },
    ]);
    const finish = async (infra: Infrastructure, step: string) => {
      const run = await infra.store.claimStepRun(execution.id, step, { owner: `w-${step}`, leaseMs: 30_000 });
      expect(await infra.store.completeStepRun(run!.id, `w-${step}`, { outputs: { step }, renderedConfig: {}, logs: [] })).toBe(true);
    };
    await finish(one, 'start');
    // Both branches end at once, each on its own worker, and each worker advances the execution.
    await Promise.all([finish(one, 'left'), finish(two, 'right')]);
    const outcomes = await Promise.all([one.advancer.advance(execution.id), two.advancer.advance(execution.id), one.advancer.advance(execution.id)]);
    expect(outcomes.every((o) => o.dispatched.length === 0 || (o.dispatched.length === 1 && o.dispatched[0] === 'join'))).toBe(true);

    const queue = one.queues.get('step-notify')!;
    const jobs = (await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'])).filter((j) => j.data.executionId === execution.id);
    expect(jobs.map((j) => [j.id, j.data.stepName])).toEqual([[stepJobId(execution.id, 3, 1), 'join']]);
    // The job names the execution's month partition, so the worker's claim reads that partition only.
    expect(execution.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(jobs[0].data.createdAt).toBe(execution.createdAt);

    // A second delivery of the join finds it claimed: only one claim succeeds.
    const claims = await Promise.all([one.store.claimStepRun(execution.id, 'join', { owner: 'a', leaseMs: 30_000 }), two.store.claimStepRun(execution.id, 'join', { owner: 'b', leaseMs: 30_000 })]);
    expect(claims.filter((c) => c !== null)).toHaveLength(1);
  });
});
