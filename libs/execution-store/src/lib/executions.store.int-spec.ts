import { randomUUID } from 'node:crypto';
import type { PipelineWithRevision } from './records';
import { eventEnvelope, matchFor, newPipeline, openTestDb, pipelineDocument, type TestDb } from '../test/store-test-db';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (message: string, attempt = 1) => ({ at: new Date().toISOString(), attempt, message });

describe('ExecutionStore and StepRunStore (real Postgres, own schema)', () => {
  let db: TestDb;
  let pipeline: PipelineWithRevision;
  let other: PipelineWithRevision;

  beforeAll(async () => {
    db = await openTestDb();
    pipeline = await db.store.createPipeline(newPipeline('promote-and-notify', { document: pipelineDocument('promote-and-notify', ['promote', 'notify']) }));
    other = await db.store.createPipeline(newPipeline('second-pipeline'));
  });
  afterAll(async () => {
    await db?.close();
  });

  async function stepStates(executionId: string) {
    const execution = await db.store.getExecution(executionId);
    return Object.fromEntries(execution!.stepRuns.map((r) => [r.stepName, { status: r.status, attempts: r.attempts }]));
  }

  async function newExecution(steps?: string[]) {
    const [{ execution }] = await db.store.createExecutions([matchFor(pipeline, eventEnvelope(), steps)]);
    return execution;
  }

  describe('createExecutions', () => {
    it('creates queued executions with pending step runs, in input order', async () => {
      const e1 = eventEnvelope();
      const e2 = eventEnvelope({ type: 'drift.threshold_exceeded', payload: { endpoint: '/users', drift_count: 7 } } as never);
      const results = await db.store.createExecutions([matchFor(pipeline, e1), matchFor(other, e1, ['notify-team']), matchFor(pipeline, e2)]);

      expect(results.map((r) => r.created)).toEqual([true, true, true]);
      expect(results.map((r) => [r.execution.pipelineId, r.execution.eventId])).toEqual([
        [pipeline.id, e1.id],
        [other.id, e1.id],
        [pipeline.id, e2.id],
      ]);
      expect(results[2].execution).toMatchObject({
        status: 'queued',
        revisionId: pipeline.currentRevisionId,
        workspaceId: 'workspace-123',
        eventType: 'drift.threshold_exceeded',
        event: e2,
        startedAt: null,
        finishedAt: null,
      });

      const full = await db.store.getExecution(results[0].execution.id);
      expect(full!.stepRuns.map((s) => [s.stepIndex, s.stepName, s.stepType, s.status, s.attempts, s.maxAttempts])).toEqual([
        [0, 'promote', 'auto_promote', 'pending', 0, 3],
        [1, 'notify', 'notify', 'pending', 0, 3],
      ]);
      expect(full!.stepRuns[0].logs).toEqual([]);
    });

    it('is idempotent per (pipeline, event id): a redelivery returns the same execution with created=false', async () => {
      const event = eventEnvelope();
      const [first] = await db.store.createExecutions([matchFor(pipeline, event)]);
      const again = await db.store.createExecutions([matchFor(other, event, ['notify-team']), matchFor(pipeline, event)]);

      expect(again[1]).toEqual({ execution: first.execution, created: false });
      expect(again[0].created).toBe(true);
      const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM "${db.schema}".step_runs WHERE execution_id = $1`, [first.execution.id]);
      expect(n).toBe(2);
    });

    it('treats the same event twice within one batch as one execution', async () => {
      const event = eventEnvelope();
      const results = await db.store.createExecutions([matchFor(pipeline, event), matchFor(pipeline, event)]);
      expect(results.map((r) => r.created)).toEqual([true, false]);
      expect(results[1].execution.id).toBe(results[0].execution.id);
      expect((await db.store.getExecution(results[0].execution.id))!.stepRuns).toHaveLength(2);
    });

    it('keeps one execution when two matchers insert the same event concurrently', async () => {
      const event = eventEnvelope();
      const results = await Promise.all([1, 2, 3].map(() => db.store.createExecutions([matchFor(pipeline, event)])));
      const flat = results.map(([r]) => r);
      expect(flat.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(flat.map((r) => r.execution.id)).size).toBe(1);
    });

    it('is one transaction: when one insert of the batch fails, nothing of the batch is kept', async () => {
      const good = eventEnvelope();
      // The executions INSERT succeeds; the step runs INSERT after it violates NOT NULL (step_type).
      const broken = matchFor(other, eventEnvelope(), ['x']);
      broken.steps[0].stepType = null as never;
      await expect(db.store.createExecutions([matchFor(pipeline, good), broken])).rejects.toThrow();

      const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM "${db.schema}".executions WHERE event_id = ANY($1::text[])`, [
        [good.id, broken.event.id],
      ]);
      expect(n).toBe(0);
      // Nothing half-done blocks a retry of the good part.
      const [retried] = await db.store.createExecutions([matchFor(pipeline, good)]);
      expect(retried.created).toBe(true);
    });

    it('refuses a match whose revision does not exist, keeping nothing of the batch', async () => {
      const good = eventEnvelope();
      const orphan = { ...matchFor(pipeline, eventEnvelope()), revisionId: randomUUID() };
      await expect(db.store.createExecutions([matchFor(pipeline, good), orphan])).rejects.toThrow();
      const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM "${db.schema}".executions WHERE event_id = $1`, [good.id]);
      expect(n).toBe(0);
    });

    it('returns an empty list for an empty batch', async () => {
      expect(await db.store.createExecutions([])).toEqual([]);
    });
  });

  describe('claims and leases', () => {
    it('lets exactly one of two concurrent claims win, and moves the execution to running', async () => {
      const execution = await newExecution();
      const claims = await Promise.all([
        db.store.claimStepRun(execution.id, 'promote', { owner: 'worker-a', leaseMs: 60_000 }),
        db.store.claimStepRun(execution.id, 'promote', { owner: 'worker-b', leaseMs: 60_000 }),
      ]);
      const winners = claims.filter((c) => c !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0]).toMatchObject({ stepName: 'promote', status: 'running', attempts: 1 });
      expect(['worker-a', 'worker-b']).toContain(winners[0]!.leaseOwner);
      expect(Date.parse(winners[0]!.leaseExpiresAt!)).toBeGreaterThan(Date.now());

      const after = await db.store.getExecution(execution.id);
      expect(after).toMatchObject({ status: 'running' });
      expect(after!.startedAt).not.toBeNull();
    });

    it('refuses a second claim of a running step with a live lease, even by the same owner', async () => {
      const execution = await newExecution();
      expect(await db.store.claimStepRun(execution.id, 'promote', { owner: 'w', leaseMs: 60_000 })).not.toBeNull();
      expect(await db.store.claimStepRun(execution.id, 'promote', { owner: 'w', leaseMs: 60_000 })).toBeNull();
      expect(await db.store.claimStepRun(execution.id, 'no-such-step', { owner: 'w', leaseMs: 60_000 })).toBeNull();
    });

    it('lets another worker re-claim a step whose lease expired (crashed worker), with attempt + 1', async () => {
      const execution = await newExecution();
      const crashed = await db.store.claimStepRun(execution.id, 'promote', { owner: 'crashed', leaseMs: 1 });
      await sleep(20); // the 1 ms lease is over

      const reclaimed = await db.store.claimStepRun(execution.id, 'promote', { owner: 'rescuer', leaseMs: 60_000 });
      expect(reclaimed).toMatchObject({ id: crashed!.id, status: 'running', attempts: 2, leaseOwner: 'rescuer' });
      // The crashed worker lost the step: its late result is refused.
      expect(await db.store.completeStepRun(crashed!.id, 'crashed', { outputs: {}, renderedConfig: {}, logs: [] })).toBe(false);
      expect(await db.store.renewLease(crashed!.id, 'crashed', 60_000)).toBe(false);
      expect(await db.store.renewLease(crashed!.id, 'rescuer', 60_000)).toBe(true);
    });

    it('keeps a renewed lease from being taken over', async () => {
      const execution = await newExecution();
      const claimed = await db.store.claimStepRun(execution.id, 'promote', { owner: 'w1', leaseMs: 1 });
      expect(await db.store.renewLease(claimed!.id, 'w1', 60_000)).toBe(true);
      await sleep(20);
      expect(await db.store.claimStepRun(execution.id, 'promote', { owner: 'w2', leaseMs: 60_000 })).toBeNull();
    });
  });

  describe('completing and failing', () => {
    it('records fail -> retry -> complete: attempts, error, outputs, logs appended, timings', async () => {
      const execution = await newExecution();
      const first = await db.store.claimStepRun(execution.id, 'promote', { owner: 'w1', leaseMs: 60_000 });
      expect(
        await db.store.failStepRun(first!.id, 'w1', {
          error: 'promotion service answered 503',
          errorCode: 'UPSTREAM_UNAVAILABLE',
          renderedConfig: { entity_id: 'sc-1' },
          logs: [log('calling promotion service'), log('503 Service Unavailable')],
          willRetry: true,
        }),
      ).toBe(true);

      let step = (await db.store.getExecution(execution.id))!.stepRuns[0];
      expect(step).toMatchObject({
        status: 'pending',
        attempts: 1,
        error: 'promotion service answered 503',
        errorCode: 'UPSTREAM_UNAVAILABLE',
        leaseOwner: null,
        leaseExpiresAt: null,
        finishedAt: null,
        renderedConfig: { entity_id: 'sc-1' },
      });
      expect(await stepStates(execution.id)).toEqual({
        promote: { status: 'pending', attempts: 1 },
        notify: { status: 'pending', attempts: 0 },
      });

      const second = await db.store.claimStepRun(execution.id, 'promote', { owner: 'w2', leaseMs: 60_000 });
      expect(second).toMatchObject({ attempts: 2, leaseOwner: 'w2' });
      expect(second!.startedAt).toBe(first!.startedAt);
      expect(
        await db.store.completeStepRun(second!.id, 'w2', {
          outputs: { promotion_id: 'pr-9' },
          renderedConfig: { entity_id: 'sc-1', to_environment: 'test' },
          logs: [log('promoted', 2)],
        }),
      ).toBe(true);

      step = (await db.store.getExecution(execution.id))!.stepRuns[0];
      expect(step).toMatchObject({
        status: 'succeeded',
        attempts: 2,
        outputs: { promotion_id: 'pr-9' },
        renderedConfig: { entity_id: 'sc-1', to_environment: 'test' },
        error: null,
        errorCode: null,
      });
      expect(step.logs.map((l) => [l.attempt, l.message])).toEqual([
        [1, 'calling promotion service'],
        [1, '503 Service Unavailable'],
        [2, 'promoted'],
      ]);
      expect(step.finishedAt).not.toBeNull();
      // Stored in microseconds, returned in milliseconds: allow the rounding.
      expect(Math.abs(step.durationMs! - (Date.parse(step.finishedAt!) - Date.parse(step.startedAt!)))).toBeLessThanOrEqual(1);

      // A duplicate completion changes nothing.
      expect(await db.store.completeStepRun(second!.id, 'w2', { outputs: { other: 1 }, renderedConfig: {}, logs: [] })).toBe(false);
      expect((await db.store.getExecution(execution.id))!.stepRuns[0].outputs).toEqual({ promotion_id: 'pr-9' });
    });

    it('fails a step for good when no retry is left, and refuses results from a non-owner', async () => {
      const execution = await newExecution();
      const claimed = await db.store.claimStepRun(execution.id, 'promote', { owner: 'w1', leaseMs: 60_000 });
      const failure = { error: 'entity not found', errorCode: 'NOT_FOUND', logs: [log('404')], willRetry: false };
      expect(await db.store.failStepRun(claimed!.id, 'intruder', failure)).toBe(false);
      expect(await db.store.failStepRun(claimed!.id, 'w1', failure)).toBe(true);

      const step = (await db.store.getExecution(execution.id))!.stepRuns[0];
      expect(step).toMatchObject({ status: 'failed', attempts: 1, error: 'entity not found', errorCode: 'NOT_FOUND' });
      expect(step.finishedAt).not.toBeNull();
      expect(await db.store.claimStepRun(execution.id, 'promote', { owner: 'w2', leaseMs: 60_000 })).toBeNull();
    });

    it('skips pending steps only', async () => {
      const execution = await newExecution();
      const claimed = await db.store.claimStepRun(execution.id, 'promote', { owner: 'w', leaseMs: 60_000 });
      await db.store.skipStepRuns(execution.id, ['promote', 'notify']);
      expect(await stepStates(execution.id)).toEqual({
        promote: { status: 'running', attempts: 1 },
        notify: { status: 'skipped', attempts: 0 },
      });
      expect(claimed).not.toBeNull();
    });

    it('stores why a step is skipped and fails a step whose condition could not be evaluated, pending steps only', async () => {
      const execution = await newExecution(['build', 'notify', 'page', 'record']);
      await db.store.claimStepRun(execution.id, 'build', { owner: 'w', leaseMs: 60_000 });
      const reason = { code: 'CONDITION_FALSE', condition: 'failure()', message: 'if: failure() is false' };
      await db.store.applyStepDecisions(execution.id, {
        skip: ['build', 'page'],
        skipReasons: { build: reason, page: reason },
        fail: { record: 'if: fromJSON: not JSON' },
      });
      const runs = (await db.store.getExecution(execution.id))!.stepRuns;
      expect(runs.map((r) => [r.stepName, r.status, r.skipReason, r.error, r.errorCode])).toEqual([
        ['build', 'running', null, null, null],
        ['notify', 'pending', null, null, null],
        ['page', 'skipped', reason, null, null],
        ['record', 'failed', null, 'if: fromJSON: not JSON', 'CONDITION_ERROR'],
      ]);
      expect(runs[2].finishedAt).not.toBeNull();
    });

    it('records an outcome with the skips, their reasons and the end of the execution in one statement', async () => {
      const execution = await newExecution(['promote', 'tell', 'page']);
      const run = await db.store.claimStepRun(execution.id, 'promote', { owner: 'w', leaseMs: 60_000 });
      const reasons = {
        tell: { code: 'NEED_FAILED', need: 'promote', message: 'needs "promote", which failed' },
        page: { code: 'CONDITION_FALSE', condition: 'always() && false', message: 'if: always() && false is false' },
      };
      const recorded = await db.store.failAndAdvance(
        run!.id,
        'w',
        { error: 'boom', errorCode: 'X', logs: [], willRetry: false },
        { skip: ['tell', 'page'], skipReasons: reasons, finish: { status: 'failed', error: 'step "promote" failed: boom' } },
      );
      expect(recorded).toEqual({ recorded: true, finished: true });
      const done = (await db.store.getExecution(execution.id))!;
      expect(done.status).toBe('failed');
      expect(done.stepRuns.map((r) => [r.stepName, r.status, r.skipReason])).toEqual([
        ['promote', 'failed', null],
        ['tell', 'skipped', reasons.tell],
        ['page', 'skipped', reasons.page],
      ]);
    });

    it('finishes an execution once (compare-and-set)', async () => {
      const execution = await newExecution();
      expect(await db.store.finishExecution(execution.id, 'failed', 'step promote failed')).toBe(true);
      expect(await db.store.finishExecution(execution.id, 'succeeded')).toBe(false);

      const done = await db.store.getExecution(execution.id);
      expect(done).toMatchObject({ status: 'failed', error: 'step promote failed' });
      expect(done!.finishedAt).not.toBeNull();
      await expect(db.store.finishExecution(execution.id, 'running')).rejects.toMatchObject({ code: 'INVALID' });
    });
  });

  describe('parking and re-runs', () => {
    it('parks a step (execution waiting, never reclaimable) and resolves it once', async () => {
      const execution = await newExecution();
      const run = await db.store.claimStepRun(execution.id, 'promote', { owner: 'w1', leaseMs: 30_000 });
      expect(await db.store.parkStepRun(run!.id, 'w1', { outputs: { promotion_id: 'p1' }, renderedConfig: {}, logs: [log('waiting')], waitingFor: 'promotion:p1' })).toBe(true);

      const waiting = await db.store.getExecution(execution.id);
      expect(waiting!.status).toBe('waiting');
      expect(waiting!.stepRuns[0]).toMatchObject({ status: 'running', leaseOwner: 'parked:promotion:p1', leaseExpiresAt: 'infinity' });
      expect(await db.store.claimStepRun(execution.id, 'promote', { owner: 'w2', leaseMs: 1 })).toBeNull();

      const resolve = () => db.store.resolveParkedStepRun(execution.id, 'promote', { waitingFor: 'promotion:p1', outcome: 'succeeded', outputs: { status: 'completed' } });
      expect(await db.store.resolveParkedStepRun(execution.id, 'promote', { waitingFor: 'promotion:other', outcome: 'succeeded' })).toBe(false);
      expect(await resolve()).toBe(true);
      expect(await resolve()).toBe(false);
      const resumed = await db.store.getExecution(execution.id);
      expect(resumed!.status).toBe('running');
      expect(resumed!.stepRuns[0]).toMatchObject({ status: 'succeeded', outputs: { promotion_id: 'p1', status: 'completed' }, leaseExpiresAt: null });
    });

    it('re-runs a finished execution: new run attempt, step runs pending again; a running one is a CONFLICT', async () => {
      const execution = await newExecution(['promote']);
      const run = await db.store.claimStepRun(execution.id, 'promote', { owner: 'w1', leaseMs: 30_000 });
      await expect(db.store.rerunExecution(execution.id)).rejects.toMatchObject({ code: 'CONFLICT' });
      await db.store.failStepRun(run!.id, 'w1', { error: 'boom', errorCode: 'X', logs: [], willRetry: false });
      await db.store.finishExecution(execution.id, 'failed', 'step "promote" failed: boom');

      const again = await db.store.rerunExecution(execution.id);
      expect(again).toMatchObject({ status: 'queued', runAttempt: 2, error: null, finishedAt: null });
      expect(again.stepRuns[0]).toMatchObject({ status: 'pending', attempts: 0, error: null, outputs: null });
      await expect(db.store.rerunExecution(randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('listExecutionEvents (backtests)', () => {
    it("returns each event once, oldest first, and only the asked workspace's (envelope, else payload)", async () => {
      const since = new Date(Date.now() - 1000);
      const mine = eventEnvelope({ workspace_id: 'ws-events-a', payload: { scenario_id: 's', scenario_name: 'n', version: '1', workspace_id: 'ws-events-a' } } as never);
      const theirs = eventEnvelope({ workspace_id: 'ws-events-b', payload: { scenario_id: 's', scenario_name: 'n', version: '1', workspace_id: 'ws-events-a' } } as never);
      const payloadOnly = eventEnvelope({ workspace_id: undefined, payload: { scenario_id: 's', scenario_name: 'n', version: '1', workspace_id: 'ws-events-a' } } as never);
      await db.store.createExecutions([matchFor(pipeline, mine), matchFor(other, mine, ['x'])]);
      await sleep(5);
      await db.store.createExecutions([matchFor(pipeline, theirs)]);
      await sleep(5);
      await db.store.createExecutions([matchFor(pipeline, payloadOnly)]);
      const until = new Date(Date.now() + 1000);

      const ids = async (eventWorkspaceId: string | null, limits = { limit: 100, maxBytes: 1 << 20 }) =>
        (await db.store.listExecutionEvents({ since, until, eventWorkspaceId, ...limits })).events.map((e) => e.event.id);
      expect(await ids('ws-events-a')).toEqual([mine.id, payloadOnly.id]);
      expect(await ids('ws-events-b')).toEqual([theirs.id]);
      const ours = new Set([mine.id, theirs.id, payloadOnly.id]);
      expect((await ids(null)).filter((id) => ours.has(id))).toEqual([mine.id, theirs.id, payloadOnly.id]);
      expect(await db.store.listExecutionEvents({ since: until, until: new Date(until.getTime() + 1000), eventWorkspaceId: null, limit: 100, maxBytes: 1 << 20 })).toEqual({ events: [], truncated: false });
    });

    it('stops at the byte budget and at the limit, and says the list was cut', async () => {
      const since = new Date(Date.now() - 1000);
      const big = 'x'.repeat(10_000);
      const events = Array.from({ length: 5 }, () => eventEnvelope({ workspace_id: 'ws-events-budget', payload: { scenario_id: 's', scenario_name: big, version: '1' } } as never));
      for (const e of events) {
        await db.store.createExecutions([matchFor(pipeline, e)]);
        await sleep(3);
      }
      const until = new Date(Date.now() + 1000);
      const query = { since, until, eventWorkspaceId: 'ws-events-budget' };
      const whole = await db.store.listExecutionEvents({ ...query, limit: 100, maxBytes: 1 << 20 });
      expect(whole).toMatchObject({ truncated: false });
      expect(whole.events.map((e) => e.event.id)).toEqual(events.map((e) => e.id));
      // Each event is a little over 10 KB: a 25 KB budget holds the first two.
      const byBytes = await db.store.listExecutionEvents({ ...query, limit: 100, maxBytes: 25_000 });
      expect(byBytes).toMatchObject({ truncated: true });
      expect(byBytes.events.map((e) => e.event.id)).toEqual(events.slice(0, 2).map((e) => e.id));
      const byCount = await db.store.listExecutionEvents({ ...query, limit: 3, maxBytes: 1 << 20 });
      expect(byCount).toMatchObject({ truncated: true });
      expect(byCount.events).toHaveLength(3);
    });
  });

  describe('re-run from the failure', () => {
    it('keeps succeeded steps with their outputs and the attempt they ran in, across re-runs; resets the others', async () => {
      const execution = await newExecution(['build', 'deploy', 'verify']);
      const build = await db.store.claimStepRun(execution.id, 'build', { owner: 'w', leaseMs: 30_000 });
      await db.store.completeStepRun(build!.id, 'w', { outputs: { artifact: 'a-1' }, renderedConfig: {}, logs: [log('built')] });
      const deploy = await db.store.claimStepRun(execution.id, 'deploy', { owner: 'w', leaseMs: 30_000 });
      await db.store.failStepRun(deploy!.id, 'w', { error: 'boom', errorCode: 'X', logs: [], willRetry: false });
      await db.store.applyStepDecisions(execution.id, { skip: ['verify'], skipReasons: { verify: { code: 'NEED_FAILED', need: 'deploy', message: 'x' } } });
      await db.store.finishExecution(execution.id, 'failed', 'step "deploy" failed: boom');

      const second = await db.store.rerunExecution(execution.id, { fromFailed: true });
      expect(second.runAttempt).toBe(2);
      expect(second.stepRuns.map((r) => [r.stepName, r.status, r.outputs, r.reusedFromAttempt, r.skipReason, r.attempts])).toEqual([
        ['build', 'succeeded', { artifact: 'a-1' }, 1, null, 1],
        ['deploy', 'pending', null, null, null, 0],
        ['verify', 'pending', null, null, null, 0],
      ]);
      expect(second.stepRuns[0].logs.map((l) => l.message)).toEqual(['built']);

      // Fails again in attempt 2: a third attempt still says build ran in attempt 1.
      const again = await db.store.claimStepRun(execution.id, 'deploy', { owner: 'w', leaseMs: 30_000 });
      await db.store.failStepRun(again!.id, 'w', { error: 'boom', errorCode: 'X', logs: [], willRetry: false });
      await db.store.finishExecution(execution.id, 'failed', 'again');
      const third = await db.store.rerunExecution(execution.id, { fromFailed: true });
      expect(third.runAttempt).toBe(3);
      expect(third.stepRuns.map((r) => r.reusedFromAttempt)).toEqual([1, null, null]);

      // A full re-run forgets the reuse.
      await db.store.finishExecution(execution.id, 'cancelled');
      const full = await db.store.rerunExecution(execution.id);
      expect(full.stepRuns.map((r) => [r.status, r.reusedFromAttempt, r.outputs])).toEqual([
        ['pending', null, null],
        ['pending', null, null],
        ['pending', null, null],
      ]);
    });

    it('refuses a re-run from the failure when every step succeeded, and a running execution', async () => {
      const execution = await newExecution(['only']);
      await expect(db.store.rerunExecution(execution.id, { fromFailed: true })).rejects.toMatchObject({ code: 'CONFLICT' });
      const run = await db.store.claimStepRun(execution.id, 'only', { owner: 'w', leaseMs: 30_000 });
      await db.store.completeStepRun(run!.id, 'w', { outputs: {}, renderedConfig: {}, logs: [] });
      await db.store.finishExecution(execution.id, 'succeeded');
      await expect(db.store.rerunExecution(execution.id, { fromFailed: true })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/every step/) });
      expect((await db.store.getExecution(execution.id))!.runAttempt).toBe(1);
    });
  });

  describe('cancel', () => {
    it('cancels the execution and its pending and running steps; a claim afterwards is refused', async () => {
      const execution = await newExecution(['promote', 'notify', 'report']);
      const running = await db.store.claimStepRun(execution.id, 'promote', { owner: 'w', leaseMs: 60_000 });

      const cancelled = await db.store.cancelExecution(execution.id);
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.finishedAt).not.toBeNull();
      expect(cancelled.stepRuns.map((s) => s.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);

      expect(await db.store.claimStepRun(execution.id, 'notify', { owner: 'w', leaseMs: 60_000 })).toBeNull();
      expect(await db.store.completeStepRun(running!.id, 'w', { outputs: {}, renderedConfig: {}, logs: [] })).toBe(false);
      expect(await db.store.finishExecution(execution.id, 'succeeded')).toBe(false);
      await expect(db.store.cancelExecution(execution.id)).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(db.store.cancelExecution(randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('keeps finished steps as they were', async () => {
      const execution = await newExecution();
      const claimed = await db.store.claimStepRun(execution.id, 'promote', { owner: 'w', leaseMs: 60_000 });
      await db.store.completeStepRun(claimed!.id, 'w', { outputs: { ok: true }, renderedConfig: {}, logs: [] });
      const cancelled = await db.store.cancelExecution(execution.id);
      expect(cancelled.stepRuns.map((s) => s.status)).toEqual(['succeeded', 'cancelled']);
    });
  });

  describe('reads', () => {
    it('returns several executions with their step states for re-planning, skipping unknown ids', async () => {
      const a = await newExecution();
      const b = await newExecution(['only']);
      const found = await db.store.getExecutions([b.id, randomUUID(), 'junk', a.id]);
      expect(found.map((e) => [e.id, e.stepRuns.map((s) => s.stepName)])).toEqual([
        [b.id, ['only']],
        [a.id, ['promote', 'notify']],
      ]);
      expect(await db.store.getExecution('junk')).toBeNull();
    });
  });
});

describe('ExecutionStore listing and StatsStore (real Postgres, own schema)', () => {
  let db: TestDb;
  let pipeline: PipelineWithRevision;

  beforeAll(async () => {
    db = await openTestDb();
    pipeline = await db.store.createPipeline(newPipeline('stats'));
  });
  afterAll(async () => {
    await db?.close();
  });

  it('pages executions newest first and filters by status', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const [r] = await db.store.createExecutions([matchFor(pipeline, eventEnvelope(), ['one'])]);
      ids.push(r.execution.id);
    }
    await db.store.finishExecution(ids[1], 'succeeded');

    const first = await db.store.listExecutions({ pipelineId: pipeline.id, limit: 2 });
    const second = await db.store.listExecutions({ pipelineId: pipeline.id, limit: 2, cursor: first.nextCursor });
    const third = await db.store.listExecutions({ pipelineId: pipeline.id, limit: 2, cursor: second.nextCursor });
    expect([...first.items, ...second.items, ...third.items].map((e) => e.id)).toEqual([...ids].reverse());
    expect(third.nextCursor).toBeNull();

    const succeeded = await db.store.listExecutions({ pipelineId: pipeline.id, status: 'succeeded' });
    expect(succeeded.items.map((e) => e.id)).toEqual([ids[1]]);
    await expect(db.store.listExecutions({ status: 'bogus' as never })).rejects.toMatchObject({ code: 'INVALID' });
  });

  it('computes counts, success rate, duration percentiles and the last run in SQL', async () => {
    const p = await db.store.createPipeline(newPipeline('stats-2'));
    const empty = await db.store.pipelineStats(p.id);
    expect(empty).toEqual({
      counts: { queued: 0, running: 0, waiting: 0, succeeded: 0, failed: 0, cancelled: 0 },
      success_rate: null,
      p50_ms: null,
      p95_ms: null,
      last_run: null,
    });

    // Durations 1s, 2s, 3s, 4s (3 succeeded, 1 failed), plus one still queued and one cancelled.
    const results = await db.store.createExecutions([1, 2, 3, 4, 5, 6].map(() => matchFor(p, eventEnvelope(), ['one'])));
    const ids = results.map((r) => r.execution.id);
    for (const [i, status] of (['succeeded', 'succeeded', 'failed', 'succeeded'] as const).entries()) {
      await db.store.finishExecution(ids[i], status);
      await db.ds.query(
        `UPDATE "${db.schema}".executions SET started_at = '2024-05-01T10:00:00Z', finished_at = '2024-05-01T10:00:00Z'::timestamptz + $2 * interval '1 second' WHERE id = $1`,
        [ids[i], i + 1],
      );
    }
    await db.store.cancelExecution(ids[4]);

    const stats = await db.store.pipelineStats(p.id);
    expect(stats.counts).toEqual({ queued: 1, running: 0, waiting: 0, succeeded: 3, failed: 1, cancelled: 1 });
    expect(stats.success_rate).toBe(0.75);
    expect(stats.p50_ms).toBe(2500);
    expect(stats.p95_ms).toBe(3850);
    const newest = (await db.store.listExecutions({ pipelineId: p.id, limit: 1 })).items[0];
    expect(stats.last_run).toEqual({ id: newest.id, status: newest.status, queued_at: newest.queuedAt, finished_at: newest.finishedAt });

    await expect(db.store.pipelineStats(randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
