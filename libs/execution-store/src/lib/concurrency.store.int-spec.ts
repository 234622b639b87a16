import { concurrencyGroupKey, type EventEnvelope } from '@mockops/pipeline-core';
import type { PipelineWithRevision } from './records';
import { eventEnvelope, matchFor, newPipeline, openTestDb, pipelineDocument, type TestDb } from '../test/store-test-db';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ConcurrencyStore and DebounceStore (real Postgres, own schema)', () => {
  let db: TestDb;
  let pipeline: PipelineWithRevision;
  let otherWorkspace: PipelineWithRevision;
  let seq = 0;

  beforeAll(async () => {
    db = await openTestDb();
    pipeline = await db.store.createPipeline(newPipeline('deploys', { document: pipelineDocument('deploys', ['deploy']) }));
    otherWorkspace = await db.store.createPipeline(newPipeline('deploys', { workspaceId: 'workspace-999', document: pipelineDocument('deploys', ['deploy']) }));
  });
  afterAll(async () => {
    await db?.close();
  });

  /** The group of `group` for the pipeline's owner, as the matcher renders it. */
  function groupOf(p: PipelineWithRevision, group: string, order: number[]) {
    const key = concurrencyGroupKey({ group }, { event: eventEnvelope(), ownerWorkspaceId: p.workspaceId, pipeline: { id: p.id, name: 'deploys' } });
    if (!key.ok) throw new Error(key.error);
    return { key: key.key, name: key.group, order };
  }

  async function newExecution(p = pipeline) {
    const [{ execution }] = await db.store.createExecutions([matchFor(p, eventEnvelope(), ['deploy'])]);
    return execution.id;
  }

  async function statusOf(ids: string[]) {
    const list = await db.store.getExecutions(ids);
    return ids.map((id) => {
      const e = list.find((x) => x.id === id)!;
      return e.status === 'queued' && e.concurrencyAdmitted === e.runAttempt ? 'admitted' : e.status;
    });
  }

  const admit = (id: string, group: ReturnType<typeof groupOf> | undefined, cancelInProgress = false) =>
    db.store.admitToConcurrencyGroup(id, { group, cancelInProgress });

  /** The group's holder runs its step, then finishes (the worker's completeAndAdvance, with the release separate as in the runtime). */
  async function finish(id: string) {
    const claimed = await db.store.claimStepRun(id, 'deploy', { owner: 'w1', leaseMs: 30_000 });
    expect(claimed).not.toBeNull();
    await db.store.completeAndAdvance(claimed!.id, 'w1', { outputs: {}, renderedConfig: {}, logs: [] }, { skip: [], finish: { status: 'succeeded', error: null } });
  }

  it('starts the first execution of a group, queues the others in event order, and starts the next when the holder ends', async () => {
    const name = `g-${++seq}`;
    const [a, b, c] = [await newExecution(), await newExecution(), await newExecution()];
    expect((await admit(a, groupOf(pipeline, name, [100, 0]))).run).toBe('start');
    expect((await admit(c, groupOf(pipeline, name, [300, 0]))).run).toBe('wait');
    // A late event (older stream position) is placed before newer waiting ones.
    expect((await admit(b, groupOf(pipeline, name, [200, 5]))).run).toBe('wait');
    expect(await statusOf([a, b, c])).toEqual(['admitted', 'queued', 'queued']);
    // Admitting again changes nothing.
    expect(await admit(b, groupOf(pipeline, name, [200, 5]))).toEqual({ run: 'wait', started: [], cancelled: [] });

    await finish(a);
    // Nothing starts by itself: the release is the runtime's next step (the sweeper repeats it after a crash).
    expect(await statusOf([a, b, c])).toEqual(['succeeded', 'queued', 'queued']);
    expect(await db.store.releaseConcurrencyGroup(a)).toEqual([b]);
    expect(await db.store.releaseConcurrencyGroup(a)).toEqual([]);
    expect(await statusOf([b, c])).toEqual(['admitted', 'queued']);
    await finish(b);
    expect(await db.store.releaseConcurrencyGroup(b)).toEqual([c]);
  });

  it('finds groups a crash left without a holder, and executions admitted but never moved on', async () => {
    const name = `g-${++seq}`;
    const [a, b] = [await newExecution(), await newExecution()];
    await admit(a, groupOf(pipeline, name, [1, 0]));
    await admit(b, groupOf(pipeline, name, [2, 0]));
    await finish(a); // ... and the process dies before releasing
    const work = await db.store.findConcurrencyWork(60_000);
    expect(work.idleKeys).toContain(groupOf(pipeline, name, []).key);
    expect(await db.store.releaseConcurrencyKey(groupOf(pipeline, name, []).key)).toEqual([b]);
    expect((await db.store.findConcurrencyWork(60_000)).idleKeys).not.toContain(groupOf(pipeline, name, []).key);
    // Admitted and still queued (its first step never enqueued?): reported once older than the grace.
    await sleep(50);
    expect((await db.store.findConcurrencyWork(10)).stalled).toContain(b);
  });

  it('with cancel_in_progress, cancels the running execution (and its running step) and starts the newest; an older event is cancelled itself', async () => {
    const name = `g-${++seq}`;
    const [a, b, old] = [await newExecution(), await newExecution(), await newExecution()];
    await admit(a, groupOf(pipeline, name, [10, 0]), true);
    const running = await db.store.claimStepRun(a, 'deploy', { owner: 'w1', leaseMs: 30_000 });
    const outcome = await admit(b, groupOf(pipeline, name, [20, 0]), true);
    expect(outcome.started).toEqual([b]);
    expect(outcome.cancelled).toEqual([{ executionId: a, reason: expect.stringContaining('cancel_in_progress'), pipelineId: pipeline.id, workspaceId: 'workspace-123' }]);
    const cancelled = await db.store.getExecution(a);
    expect(cancelled).toMatchObject({ status: 'cancelled', error: expect.stringContaining(b) });
    expect(cancelled!.stepRuns[0].status).toBe('cancelled');
    // The worker running it learns it at its next lease renewal, which aborts the step's signal.
    expect(await db.store.renewLease(running!.id, 'w1', 30_000)).toBe(false);
    const late = await admit(old, groupOf(pipeline, name, [15, 0]), true);
    expect(late.run).toBe('cancel');
    expect(await statusOf([b, old])).toEqual(['admitted', 'cancelled']);
  });

  it('lets exactly one of many concurrent admissions hold the group', async () => {
    const name = `g-${++seq}`;
    const ids = await Promise.all(Array.from({ length: 12 }, () => newExecution()));
    const outcomes = await Promise.all(ids.map((id, i) => admit(id, groupOf(pipeline, name, [1000 + i, 0]))));
    expect(outcomes.filter((o) => o.run === 'start')).toHaveLength(1);
    expect((await statusOf(ids)).filter((s) => s === 'admitted')).toHaveLength(1);
  });

  it('never shares a group between workspaces: the same group name in another workspace neither waits nor cancels', async () => {
    const name = `shared-name-${++seq}`;
    const mine = await newExecution();
    const theirs = await newExecution(otherWorkspace);
    expect((await admit(mine, groupOf(pipeline, name, [1, 0]))).run).toBe('start');
    expect(groupOf(otherWorkspace, name, []).key).not.toBe(groupOf(pipeline, name, []).key);
    const outcome = await admit(theirs, groupOf(otherWorkspace, name, [2, 0]), true);
    expect(outcome).toEqual({ run: 'start', started: [theirs], cancelled: [] });
    expect(await statusOf([mine, theirs])).toEqual(['admitted', 'admitted']);
  });

  it('queues a re-run at the back of its group', async () => {
    const name = `g-${++seq}`;
    const [a, b] = [await newExecution(), await newExecution()];
    await admit(a, groupOf(pipeline, name, [1, 0]));
    await finish(a);
    await admit(b, groupOf(pipeline, name, [2, 0]));
    expect(await statusOf([b])).toEqual(['admitted']);
    await db.store.rerunExecution(a);
    // The runtime sees a keyed execution not admitted for its attempt and admits it again (no group given).
    expect((await admit(a, undefined)).run).toBe('wait');
    await finish(b);
    expect(await db.store.releaseConcurrencyGroup(b)).toEqual([a]);
  });

  it('cancels the waiting executions of a deleted pipeline, not the running one', async () => {
    const doomed = await db.store.createPipeline(newPipeline(`doomed-${++seq}`, { document: pipelineDocument('doomed', ['deploy']) }));
    const [a, b] = [await newExecution(doomed), await newExecution(doomed)];
    await admit(a, groupOf(doomed, 'x', [1, 0]));
    await admit(b, groupOf(doomed, 'x', [2, 0]));
    await db.store.deletePipeline(doomed.id);
    expect(await statusOf([a, b])).toEqual(['admitted', 'cancelled']);
    expect((await db.store.getExecution(b))!.error).toContain('pipeline was deleted');
  });

  describe('debounce bursts', () => {
    const config = { periodMs: 1000, maxWaitMs: 5000 };
    const arrival = (key: string, event: EventEnvelope, at: number, seq = 0) => ({ key, pipelineId: pipeline.id, triggerIndex: 0, event, order: [at, seq], at, config });

    it('keeps one burst per key with its last event, fires it once after the quiet period, and ignores redelivered events', async () => {
      const key = `k-${++seq}`;
      const t0 = Date.now();
      const events = Array.from({ length: 20 }, (_, i) => eventEnvelope({ id: `${key}-e${i}` }));
      const outcomes = [];
      for (const [i, e] of events.entries()) outcomes.push((await db.store.addToBurst(arrival(key, e, t0 + i * 10))).outcome);
      expect(outcomes[0]).toBe('opened');
      expect(outcomes.slice(1).every((o) => o === 'extended')).toBe(true);
      expect(await db.store.addToBurst(arrival(key, events[7], t0 + 70))).toMatchObject({ outcome: 'duplicate' });
      // Due one period after the last arrival, and not before the stream has been handled up to then.
      const due = t0 + 190 + 1000;
      expect((await db.store.claimDueBursts(30_000, due - 1)).filter((b) => b.key === key)).toEqual([]);
      // Two replicas claim at once: one gets it.
      const [x, y] = await Promise.all([db.store.claimDueBursts(30_000, due), db.store.claimDueBursts(30_000, due)]);
      const mine = [...x, ...y].filter((b) => b.key === key);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ count: 20, event: { id: `${key}-e19` } });
      expect(await db.store.markBurstFired(mine[0].id, null)).toBe(true);
      expect(await db.store.markBurstFired(mine[0].id, null)).toBe(false);
      // A redelivery of an event of the fired burst is recognised.
      expect((await db.store.addToBurst(arrival(key, events[19], t0 + 190))).outcome).toBe('duplicate');
      // A new event opens a new burst.
      expect((await db.store.addToBurst(arrival(key, eventEnvelope(), due + 5000))).outcome).toBe('opened');
    });

    it('times a burst on when its events reached the stream, not on when a matcher handled them', async () => {
      const key = `k-${++seq}`;
      const t0 = Date.now() - 60_000; // handled a minute late, as after a matcher stopped mid-burst
      expect((await db.store.addToBurst(arrival(key, eventEnvelope({ id: `${key}-a` }), t0))).outcome).toBe('opened');
      // Arrived 900 ms after the first: inside the period, so it extends the burst however late it is handled.
      expect(await db.store.addToBurst(arrival(key, eventEnvelope({ id: `${key}-b` }), t0 + 900))).toMatchObject({ outcome: 'extended', fireAt: t0 + 1900 });
      // Arrived after the burst was due: a new burst.
      expect((await db.store.addToBurst(arrival(key, eventEnvelope({ id: `${key}-c` }), t0 + 1900))).outcome).toBe('opened');
      const claimed = (await db.store.claimDueBursts(30_000, t0 + 1900)).filter((b) => b.key === key);
      expect(claimed).toMatchObject([{ count: 2, event: { id: `${key}-b` } }]);
    });

    it('gives a claimed burst to another replica only once its claim expired', async () => {
      const key = `k-${++seq}`;
      const t0 = Date.now();
      await db.store.addToBurst({ ...arrival(key, eventEnvelope(), t0), config: { periodMs: 1000 } });
      const first = (await db.store.claimDueBursts(300, t0 + 1000)).filter((b) => b.key === key);
      expect(first).toHaveLength(1);
      expect((await db.store.claimDueBursts(300, t0 + 1000)).filter((b) => b.key === key)).toHaveLength(0);
      await sleep(400);
      expect((await db.store.claimDueBursts(300, t0 + 1000)).filter((b) => b.key === key)).toHaveLength(1);
    });
  });
});
