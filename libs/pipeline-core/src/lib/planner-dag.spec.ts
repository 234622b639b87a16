import { aStep, anEvent } from '../test-builders';
import { firstSteps, planExecution, planExecutionDetailed, type StepStates } from './planner';
import type { StepDefinition, StepRunStatus } from './types';

const step = (name: string, opts: { needs?: string[]; if?: string; continue_on_error?: boolean } = {}): StepDefinition => aStep({ name, ...opts });
const def = (...steps: StepDefinition[]) => ({ steps });
const states = (s: Record<string, StepRunStatus | { status: StepRunStatus; outputs?: Record<string, unknown> }>): StepStates =>
  Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'string' ? { status: v } : v]));

describe('a diamond: build → (ts, py) → pr', () => {
  const diamond = def(step('build'), step('ts', { needs: ['build'] }), step('py', { needs: ['build'] }), step('pr', { needs: ['ts', 'py'] }));

  it('starts with build only', () => {
    expect(firstSteps(diamond)).toEqual(['build']);
  });

  it('runs both branches at once after build', () => {
    expect(planExecution(diamond, states({ build: 'succeeded' }))).toMatchObject({ runnable: ['ts', 'py'], toSkip: [], status: 'running', finished: false });
  });

  it('lets the join wait until every branch is finished', () => {
    expect(planExecution(diamond, states({ build: 'succeeded', ts: 'succeeded', py: 'running' })).runnable).toEqual([]);
    expect(planExecution(diamond, states({ build: 'succeeded', ts: 'succeeded', py: 'succeeded' })).runnable).toEqual(['pr']);
    expect(planExecution(diamond, states({ build: 'succeeded', ts: 'succeeded', py: 'succeeded', pr: 'succeeded' }))).toEqual({
      runnable: [],
      toSkip: [],
      finished: true,
      status: 'succeeded',
      failedSteps: [],
    });
  });

  it('skips the join when a branch failed, naming it, and fails the execution once all are finished', () => {
    const waiting = planExecutionDetailed(diamond, states({ build: 'succeeded', ts: 'failed', py: 'running' }));
    expect(waiting).toMatchObject({ runnable: [], toSkip: [], finished: false, status: 'running' });
    const done = planExecutionDetailed(diamond, states({ build: 'succeeded', ts: 'failed', py: 'succeeded' }));
    expect(done).toMatchObject({ toSkip: ['pr'], finished: true, status: 'failed', failedStep: 'ts', failedSteps: ['ts'] });
    expect(done.skipReasons).toEqual({ pr: { code: 'NEED_FAILED', need: 'ts', message: 'needs "ts", which failed' } });
  });

  it('skips everything after a failed root, with the reason of each', () => {
    const plan = planExecutionDetailed(diamond, states({ build: 'failed' }));
    expect(plan.toSkip).toEqual(['ts', 'py', 'pr']);
    expect(plan.skipReasons.ts).toMatchObject({ code: 'NEED_FAILED', need: 'build' });
    expect(plan.skipReasons.pr).toMatchObject({ code: 'NEED_SKIPPED', need: 'ts', message: 'needs "ts", which was skipped' });
    expect(plan).toMatchObject({ finished: true, status: 'failed', failedStep: 'build' });
  });
});

describe('fan-out and independent branches', () => {
  const branches = def(step('a', { needs: [] }), step('b', { needs: [] }), step('after_a', { needs: ['a'] }));

  it('starts every step with `needs: []` at once', () => {
    expect(firstSteps(branches)).toEqual(['a', 'b']);
  });

  it('keeps an independent branch going when another fails (as GitHub Actions does with jobs)', () => {
    const plan = planExecutionDetailed(branches, states({ a: 'failed', b: 'running' }));
    expect(plan).toMatchObject({ toSkip: ['after_a'], runnable: [], finished: false, status: 'running' });
    expect(planExecution(branches, states({ a: 'failed', b: 'succeeded', after_a: 'skipped' }))).toMatchObject({ finished: true, status: 'failed', failedStep: 'a' });
  });
});

describe('a failure path', () => {
  const pipeline = def(
    step('deploy'),
    step('announce', { needs: ['deploy'] }),
    step('page_oncall', { needs: ['deploy'], if: 'failure()' }),
    step('cleanup', { needs: ['announce', 'page_oncall'], if: 'always()' }),
  );

  it('runs the failure() step and skips the normal one when deploy fails', () => {
    const plan = planExecutionDetailed(pipeline, states({ deploy: 'failed' }));
    expect(plan.runnable).toEqual(['page_oncall']);
    expect(plan.toSkip).toEqual(['announce']);
    expect(plan.status).toBe('running');
    const end = planExecutionDetailed(pipeline, states({ deploy: 'failed', announce: 'skipped', page_oncall: 'succeeded', cleanup: 'succeeded' }));
    // The failure was handled, but the execution still failed (GitHub Actions does the same).
    expect(end).toMatchObject({ finished: true, status: 'failed', failedStep: 'deploy' });
  });

  it('skips the failure() step with its reason when deploy succeeds, and always() still runs', () => {
    const plan = planExecutionDetailed(pipeline, states({ deploy: 'succeeded', announce: 'succeeded' }));
    expect(plan.toSkip).toEqual(['page_oncall']);
    expect(plan.skipReasons.page_oncall).toEqual({ code: 'CONDITION_FALSE', condition: 'failure()', message: 'if: failure() is false' });
    expect(plan.runnable).toEqual(['cleanup']);
  });
});

describe('status functions × the state of the steps before (root → a → probe)', () => {
  const ifs = [undefined, 'success()', 'failure()', 'always()', 'cancelled()', '!cancelled()'] as const;
  const table: [string, Record<string, StepRunStatus>, boolean, ('run' | 'skip')[]][] = [
    ['a succeeded', { root: 'succeeded', a: 'succeeded' }, false, ['run', 'run', 'skip', 'run', 'skip', 'run']],
    ['a failed', { root: 'succeeded', a: 'failed' }, false, ['skip', 'skip', 'run', 'run', 'skip', 'run']],
    ['a failed with continue_on_error', { root: 'succeeded', a: 'failed' }, true, ['run', 'run', 'skip', 'run', 'skip', 'run']],
    ['a skipped', { root: 'succeeded', a: 'skipped' }, false, ['skip', 'skip', 'skip', 'run', 'skip', 'run']],
    ['a cancelled', { root: 'succeeded', a: 'cancelled' }, false, ['skip', 'skip', 'skip', 'run', 'run', 'skip']],
    ['root failed, so a was skipped', { root: 'failed', a: 'skipped' }, false, ['skip', 'skip', 'run', 'run', 'skip', 'run']],
  ];

  it.each(table)('%s', (_label, s, continueOnError, expected) => {
    const got = ifs.map((condition) => {
      const d = def(step('root'), step('a', { continue_on_error: continueOnError }), step('probe', condition ? { if: condition } : {}));
      const plan = planExecutionDetailed(d, states(s));
      if (plan.runnable.includes('probe')) return 'run';
      if (plan.toSkip.includes('probe')) return 'skip';
      throw new Error(`probe undecided: ${JSON.stringify(plan)}`);
    });
    expect(Object.fromEntries(ifs.map((c, i) => [c ?? '(none)', got[i]]))).toEqual(Object.fromEntries(ifs.map((c, i) => [c ?? '(none)', expected[i]])));
  });
});

describe('conditions on the event and on outputs', () => {
  const event = anEvent({ type: 'scenario.published', workspace_id: 'ws-1', payload: { scenario_id: 's-1', env: 'prod', tags: ['beta'] } });

  it('decides a condition on the event when the event is given', () => {
    const d = def(step('promote', { if: "event.env == 'prod' && contains(event.tags, 'beta') && workspace_id == 'ws-1'" }), step('tell'));
    expect(firstSteps(d, { event })).toEqual(['promote']);
    const other = { ...event, payload: { ...event.payload, env: 'dev' } };
    const plan = planExecutionDetailed(d, {}, { event: other });
    expect(plan.toSkip).toEqual(['promote', 'tell']);
    expect(plan.skipReasons.promote).toMatchObject({ code: 'CONDITION_FALSE' });
    expect(plan.skipReasons.tell).toMatchObject({ code: 'NEED_SKIPPED', need: 'promote' });
    expect(plan).toMatchObject({ finished: true, status: 'succeeded' });
  });

  it('says the event is needed when a plan is made without it, and starts nothing', () => {
    const d = def(step('promote', { if: "event.env == 'prod'" }));
    expect(planExecutionDetailed(d, {})).toMatchObject({ runnable: [], toSkip: [], awaiting: [{ step: 'promote', needs: ['event'] }], finished: false, status: 'queued' });
  });

  it("asks for a step's outputs when the states lack them, and decides once they are given", () => {
    const d = def(step('gen'), step('pr', { if: 'steps.gen.outputs.files_changed > 0' }));
    expect(planExecutionDetailed(d, states({ gen: 'succeeded' })).awaiting).toEqual([{ step: 'pr', needs: ['steps.gen.outputs'] }]);
    expect(planExecution(d, states({ gen: { status: 'succeeded', outputs: { files_changed: '3' } } })).runnable).toEqual(['pr']);
    const none = planExecutionDetailed(d, states({ gen: { status: 'succeeded', outputs: { files_changed: 0 } } }));
    expect(none.toSkip).toEqual(['pr']);
    expect(none.skipReasons.pr).toEqual({ code: 'CONDITION_FALSE', condition: 'steps.gen.outputs.files_changed > 0', message: 'if: steps.gen.outputs.files_changed > 0 is false' });
  });

  it('reads a step status, so a tolerated failure can be acted on', () => {
    const d = def(step('lint', { continue_on_error: true }), step('report', { if: "steps.lint.status == 'failed'" }));
    expect(planExecution(d, states({ lint: { status: 'failed', outputs: {} } })).runnable).toEqual(['report']);
    expect(planExecution(d, states({ lint: { status: 'succeeded', outputs: {} } })).toSkip).toEqual(['report']);
  });

  it('fails a step whose condition cannot be evaluated, and the execution with it', () => {
    const d = def(step('gen'), step('use', { if: 'fromJSON(steps.gen.outputs.raw).ok' }));
    const plan = planExecutionDetailed(d, states({ gen: { status: 'succeeded', outputs: { raw: '{broken' } } }));
    expect(plan.toFail).toEqual([{ step: 'use', error: 'if: fromJSON(): not valid JSON: "{broken"' }]);
    expect(plan).toMatchObject({ runnable: [], finished: true, status: 'failed', failedStep: 'use', failedSteps: ['use'] });
  });
});

describe('cancellation', () => {
  const d = def(step('work'), step('next'), step('report', { if: 'always()' }), step('on_cancel', { needs: ['work'], if: 'cancelled()' }));

  it('after a cancel request, skips what would only run on success and runs always()/cancelled() steps', () => {
    const plan = planExecutionDetailed(d, states({ work: 'cancelled' }), { cancelRequested: true });
    expect(plan.toSkip).toEqual(['next']);
    expect(plan.skipReasons.next).toEqual({ code: 'EXECUTION_CANCELLED', message: 'the execution was cancelled' });
    expect(plan.runnable).toEqual(['report', 'on_cancel']);
    const end = planExecution(d, states({ work: 'cancelled', next: 'skipped', report: 'succeeded', on_cancel: 'succeeded' }), { cancelRequested: true });
    expect(end).toMatchObject({ finished: true, status: 'cancelled' });
  });

  it('ends cancelled when a step was cancelled, even without a request', () => {
    expect(planExecution(def(step('a'), step('b')), states({ a: 'cancelled' }))).toMatchObject({ toSkip: ['b'], finished: true, status: 'cancelled' });
  });
});

describe('robustness', () => {
  it('never starts the steps of a cycle in an unvalidated definition', () => {
    const d = def(step('a', { needs: ['b'] }), step('b', { needs: ['a'] }), step('c', { needs: [] }));
    expect(planExecution(d, {})).toMatchObject({ runnable: ['c'], toSkip: [] });
    expect(planExecution(d, states({ c: 'succeeded' }))).toMatchObject({ runnable: [], finished: false });
  });

  it('fails a step whose condition does not parse (a definition that skipped validation)', () => {
    const plan = planExecutionDetailed(def(step('a', { if: 'event.x ==' })), {}, { event: anEvent() });
    expect(plan.toFail).toEqual([{ step: 'a', error: expect.stringContaining('if: the condition ends too early') }]);
  });
});
