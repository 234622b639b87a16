import type { ExecutionStatus, PipelineDefinition, StepRunStatus } from './types';

/**
 * A step and the steps it waits for. Today every step needs the one before it (steps run in order);
 * the planner only reads this graph, so `needs:` / `if:` can later change edges without a redesign.
 */
export interface StepNode {
  name: string;
  index: number;
  needs: string[];
  continueOnError: boolean;
}

export function buildStepGraph(definition: Pick<PipelineDefinition, 'steps'>): StepNode[] {
  return definition.steps.map((step, index) => ({
    name: step.name,
    index,
    needs: index === 0 ? [] : [definition.steps[index - 1].name],
    continueOnError: step.continue_on_error === true,
  }));
}

export type StepStates = Record<string, { status: StepRunStatus } | undefined>;

export interface ExecutionPlan {
  /** Pending steps whose dependencies are all done: enqueue these. */
  runnable: string[];
  /** Pending steps that can never run (a dependency failed, was skipped or cancelled): mark skipped. */
  toSkip: string[];
  /** Every step is in a terminal state once `toSkip` is applied. */
  finished: boolean;
  status: ExecutionStatus;
  /** The failure that decided the run (a step without continue_on_error). */
  failedStep?: string;
  /** Every failed step, including those tolerated by continue_on_error. */
  failedSteps: string[];
}

const TERMINAL: ReadonlySet<StepRunStatus> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

/**
 * Decides what happens next from the step states alone (pure; the store is the source of truth).
 * A failed step without `continue_on_error` blocks everything after it: the rest is skipped and the
 * execution fails. With `continue_on_error` its dependents run, and if nothing else fails the
 * execution succeeds (the failed step stays recorded as failed, see `failedSteps`).
 */
export function planExecution(definition: Pick<PipelineDefinition, 'steps'>, states: StepStates): ExecutionPlan {
  const graph = buildStepGraph(definition);
  const status = new Map<string, StepRunStatus>();
  for (const node of graph) status.set(node.name, states[node.name]?.status ?? 'pending');
  const byName = new Map(graph.map((n) => [n.name, n]));

  const runnable: string[] = [];
  const toSkip: string[] = [];
  // Graph order is topological (needs point backwards), so one pass sees dependencies first.
  for (const node of graph) {
    if (status.get(node.name) !== 'pending') continue;
    let blocked = false;
    let ready = true;
    for (const dep of node.needs) {
      const depStatus = status.get(dep);
      const depNode = byName.get(dep);
      if (depStatus === 'skipped' || depStatus === 'cancelled' || (depStatus === 'failed' && !depNode?.continueOnError)) blocked = true;
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

/** The steps to enqueue when an execution is created. */
export function firstSteps(definition: Pick<PipelineDefinition, 'steps'>): string[] {
  return planExecution(definition, {}).runnable;
}
