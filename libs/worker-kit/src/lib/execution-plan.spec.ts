import { parsePipelineOrThrow, planExecutionDetailed } from '@mockops/pipeline-core';
import { ancestorOutputs, decisionsOf, finishError, hasDecisions, planContextOf, statesOf } from './execution-plan';
import type { RunnerStepRun } from './runner-store';

const DOC = parsePipelineOrThrow(`name: diamond
definition:
  triggers:
    - event: drift.threshold_exceeded
  steps:
    - name: start
      step_type: notify
      config: { type: webhook, webhook_url: "https://h.example.com/a", message: "a" }
    - name: left
      step_type: notify
      needs: start
      if: steps.start.outputs.status == 200
      config: { type: webhook, webhook_url: "https://h.example.com/b", message: "b" }
    - name: right
      step_type: notify
      needs: start
      if: fromJSON(event.raw).ok
      config: { type: webhook, webhook_url: "https://h.example.com/c", message: "c" }
    - name: join
      step_type: notify
      needs: [left, right]
      if: always()
      config: { type: webhook, webhook_url: "https://h.example.com/d", message: "{{steps.start.outputs.status}}" }
`).document;

const run = (stepName: string, status: RunnerStepRun['status'], outputs: Record<string, unknown> | null = null): Pick<RunnerStepRun, 'stepName' | 'status' | 'outputs'> => ({ stepName, status, outputs });
const event = (payload: Record<string, unknown>) => ({ id: 'e', type: 'drift.threshold_exceeded', occurred_at: '2026-01-01T00:00:00Z', workspace_id: 'ws', payload });

describe('the runtime side of the planner', () => {
  it('gives finished steps their outputs ({} when none), so conditions reading them are always decided', () => {
    const states = statesOf([run('start', 'succeeded', null), run('left', 'pending')]);
    expect(states).toEqual({ start: { status: 'succeeded', outputs: {} }, left: { status: 'pending' } });
    const plan = planExecutionDetailed(DOC.definition, states, planContextOf({ event: event({ raw: '{"ok":true}' }), workspaceId: 'ws', status: 'running' }));
    expect(plan.awaiting).toEqual([]);
    expect(plan.toSkip).toEqual(['left']);
    expect(plan.runnable).toEqual(['right']);
  });

  it('turns skips (with reasons) and undecidable conditions into what the store applies, and names the failure', () => {
    const runs = [run('start', 'succeeded', { status: 500 })];
    const plan = planExecutionDetailed(DOC.definition, statesOf(runs), planContextOf({ event: event({ raw: 'not json' }), workspaceId: 'ws', status: 'running' }));
    const decisions = decisionsOf(plan);
    expect(decisions.skip).toEqual(['left']);
    expect(decisions.skipReasons).toEqual({ left: { code: 'CONDITION_FALSE', condition: 'steps.start.outputs.status == 200', message: 'if: steps.start.outputs.status == 200 is false' } });
    expect(Object.keys(decisions.fail ?? {})).toEqual(['right']);
    expect(decisions.fail!.right).toMatch(/^if: fromJSON/);
    expect(hasDecisions(decisions)).toBe(true);
    // always(): the join still runs after a failed condition; the execution will end failed by `right`.
    expect(plan.runnable).toEqual(['join']);
    const end = planExecutionDetailed(DOC.definition, { ...statesOf(runs), left: { status: 'skipped' }, right: { status: 'failed' }, join: { status: 'succeeded', outputs: {} } }, {});
    expect(finishError(end, (s) => (s === 'right' ? 'if: fromJSON: bad' : null))).toBe('step "right" failed: if: fromJSON: bad');
    expect(hasDecisions(decisionsOf(planExecutionDetailed(DOC.definition, {}, {})))).toBe(false);
  });

  it("shows a step's templates only its ancestors' outputs", () => {
    const runs = [run('start', 'succeeded', { status: 200 }), run('left', 'succeeded', { status: 201 }), run('right', 'running')];
    expect(ancestorOutputs(DOC.definition, runs, 'right')).toEqual({ start: { outputs: { status: 200 } } });
    expect(ancestorOutputs(DOC.definition, runs, 'join')).toEqual({ start: { outputs: { status: 200 } }, left: { outputs: { status: 201 } } });
  });

  it('reads a cancelled execution as cancellation asked for', () => {
    expect(planContextOf({ event: event({}), workspaceId: null, status: 'cancelled' }).cancelRequested).toBe(true);
    expect(planContextOf({ event: event({}), workspaceId: null, status: 'running' }).cancelRequested).toBe(false);
  });
});
