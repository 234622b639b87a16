import { aDocument, aStep } from '../test-builders';
import { buildStepGraph, firstSteps, planExecution, type StepStates } from './planner';
import { RETRY_POLICIES, resolveStepRuntime } from './retry-policies';
import type { StepRunStatus } from './types';

const definition = (continueOnError: string[] = []) =>
  aDocument({ steps: ['a', 'b', 'c'].map((name) => aStep({ name, continue_on_error: continueOnError.includes(name) || undefined })) }).definition;

const states = (s: Record<string, StepRunStatus>): StepStates => Object.fromEntries(Object.entries(s).map(([k, status]) => [k, { status }]));

describe('planExecution', () => {
  it('starts with the first step only', () => {
    expect(firstSteps(definition())).toEqual(['a']);
    expect(planExecution(definition(), {})).toEqual({ runnable: ['a'], toSkip: [], finished: false, status: 'queued', failedSteps: [] });
  });

  it('runs steps in order', () => {
    expect(planExecution(definition(), states({ a: 'running', b: 'pending', c: 'pending' }))).toMatchObject({ runnable: [], status: 'running', finished: false });
    expect(planExecution(definition(), states({ a: 'succeeded', b: 'pending', c: 'pending' }))).toMatchObject({ runnable: ['b'], status: 'running' });
    expect(planExecution(definition(), states({ a: 'succeeded', b: 'succeeded', c: 'succeeded' }))).toEqual({
      runnable: [],
      toSkip: [],
      finished: true,
      status: 'succeeded',
      failedSteps: [],
    });
  });

  it('stops at a failed step: the rest is skipped and the execution fails', () => {
    expect(planExecution(definition(), states({ a: 'succeeded', b: 'failed', c: 'pending' }))).toEqual({
      runnable: [],
      toSkip: ['c'],
      finished: true,
      status: 'failed',
      failedStep: 'b',
      failedSteps: ['b'],
    });
    expect(planExecution(definition(), states({ a: 'failed' }))).toMatchObject({ toSkip: ['b', 'c'], status: 'failed', failedStep: 'a' });
  });

  it('goes on after a failed step with continue_on_error and succeeds, recording the failure', () => {
    expect(planExecution(definition(['a']), states({ a: 'failed', b: 'pending', c: 'pending' }))).toMatchObject({ runnable: ['b'], toSkip: [], status: 'running' });
    const plan = planExecution(definition(['a']), states({ a: 'failed', b: 'succeeded', c: 'succeeded' }));
    expect(plan).toEqual({ runnable: [], toSkip: [], finished: true, status: 'succeeded', failedSteps: ['a'] });
  });

  it('is cancelled when a step was cancelled', () => {
    expect(planExecution(definition(), states({ a: 'succeeded', b: 'cancelled', c: 'pending' }))).toMatchObject({ toSkip: ['c'], finished: true, status: 'cancelled' });
  });

  it('keeps the dependency graph explicit (each step needs the previous one)', () => {
    expect(buildStepGraph(definition(['b'])).map((n) => [n.name, n.needs, n.continueOnError])).toEqual([
      ['a', [], false],
      ['b', ['a'], true],
      ['c', ['b'], false],
    ]);
  });
});

describe('resolveStepRuntime', () => {
  it('uses the step type policy and the 300 s default timeout', () => {
    expect(resolveStepRuntime(aStep({ step_type: 'notify' } as never))).toEqual({ ...RETRY_POLICIES.network, timeoutMs: 300_000 });
    expect(resolveStepRuntime(aStep({ step_type: 'regenerate_sdk' } as never))).toEqual({ maxAttempts: 3, backoffType: 'exponential', backoffMs: 2000, timeoutMs: 300_000 });
  });

  it('lets the step override retries and timeout', () => {
    expect(resolveStepRuntime(aStep({ timeout: 30, retries: { max_attempts: 7, backoff_seconds: 1.5 } }))).toEqual({
      maxAttempts: 7,
      backoffMs: 1500,
      backoffType: 'exponential',
      timeoutMs: 30_000,
    });
    expect(resolveStepRuntime(aStep({ retries: { max_attempts: 1 } }))).toMatchObject({ maxAttempts: 1, backoffMs: 1000 });
    expect(resolveStepRuntime(aStep({ retries: { max_attempts: 2, backoff_seconds: 0 } }))).toMatchObject({ backoffType: 'fixed', backoffMs: 0 });
  });
});
