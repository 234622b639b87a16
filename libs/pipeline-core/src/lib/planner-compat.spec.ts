import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { aStep } from '../test-builders';
import { parsePipelineOrThrow } from './pipeline-parser';
import { firstSteps, planExecution, type ExecutionPlan, type StepStates } from './planner';
import { STEP_RUN_STATUSES, type ExecutionStatus, type PipelineDefinition, type StepRunStatus } from './types';

/** The planner as it was before needs/if (git b13ef70), kept as the reference for pipelines without them. */
function legacyPlan(definition: Pick<PipelineDefinition, 'steps'>, states: StepStates): ExecutionPlan {
  const graph = definition.steps.map((step, index) => ({
    name: step.name,
    needs: index === 0 ? [] : [definition.steps[index - 1].name],
    continueOnError: step.continue_on_error === true,
  }));
  const TERMINAL = new Set<StepRunStatus>(['succeeded', 'failed', 'skipped', 'cancelled']);
  const status = new Map<string, StepRunStatus>();
  for (const node of graph) status.set(node.name, states[node.name]?.status ?? 'pending');
  const byName = new Map(graph.map((n) => [n.name, n]));
  const runnable: string[] = [];
  const toSkip: string[] = [];
  for (const node of graph) {
    if (status.get(node.name) !== 'pending') continue;
    let blocked = false;
    let ready = true;
    for (const dep of node.needs) {
      const depStatus = status.get(dep);
      if (depStatus === 'skipped' || depStatus === 'cancelled' || (depStatus === 'failed' && !byName.get(dep)?.continueOnError)) blocked = true;
      else if (depStatus !== 'succeeded' && depStatus !== 'failed') ready = false;
    }
    if (blocked) {
      toSkip.push(node.name);
      status.set(node.name, 'skipped');
    } else if (ready) runnable.push(node.name);
  }
  const failedSteps = graph.filter((n) => status.get(n.name) === 'failed').map((n) => n.name);
  const failedStep = graph.find((n) => status.get(n.name) === 'failed' && !n.continueOnError)?.name;
  const finished = graph.every((n) => TERMINAL.has(status.get(n.name) as StepRunStatus));
  const cancelled = graph.some((n) => status.get(n.name) === 'cancelled');
  const started = graph.some((n) => status.get(n.name) !== 'pending');
  let execStatus: ExecutionStatus;
  if (finished) execStatus = failedStep ? 'failed' : cancelled ? 'cancelled' : 'succeeded';
  else execStatus = started ? 'running' : 'queued';
  const plan: ExecutionPlan = { runnable: finished ? [] : runnable, toSkip, finished, status: execStatus, failedSteps };
  if (failedStep) plan.failedStep = failedStep;
  return plan;
}

/** Every combination of step statuses for the given step names. */
function* allStates(names: string[]): Generator<StepStates> {
  const total = STEP_RUN_STATUSES.length ** names.length;
  for (let n = 0; n < total; n++) {
    const states: StepStates = {};
    let rest = n;
    for (const name of names) {
      states[name] = { status: STEP_RUN_STATUSES[rest % STEP_RUN_STATUSES.length] };
      rest = Math.floor(rest / STEP_RUN_STATUSES.length);
    }
    yield states;
  }
}

describe('pipelines without needs/if plan exactly as before', () => {
  it.each([1, 2, 3, 4])('a chain of %i steps, every combination of statuses and of continue_on_error', (length) => {
    const names = Array.from({ length }, (_, i) => `s${i}`);
    let compared = 0;
    const differences: string[] = [];
    for (let mask = 0; mask < 2 ** length; mask++) {
      const definition = { steps: names.map((name, i) => aStep({ name, continue_on_error: (mask & (1 << i)) !== 0 || undefined })) };
      expect(firstSteps(definition)).toEqual(legacyPlan(definition, {}).runnable);
      for (const states of allStates(names)) {
        const now = JSON.stringify(planExecution(definition, states));
        const before = JSON.stringify(legacyPlan(definition, states));
        if (now !== before) differences.push(`continue_on_error mask ${mask}, ${JSON.stringify(states)}: ${now} != ${before}`);
        compared++;
      }
    }
    expect(differences.slice(0, 5)).toEqual([]);
    expect(compared).toBe(2 ** length * 6 ** length);
  });

  const dirs = [join(__dirname, '..', 'fixtures', 'spec'), join(__dirname, '..', '..', '..', '..', 'examples')];
  const files = dirs.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.yaml') && !/^(event|step)-/.test(f)).map((f) => join(dir, f)));

  it.each(files)('%s', (file) => {
    const { definition } = parsePipelineOrThrow(readFileSync(file, 'utf8')).document;
    for (const states of allStates(definition.steps.map((s) => s.name))) expect(planExecution(definition, states)).toEqual(legacyPlan(definition, states));
  });
});
