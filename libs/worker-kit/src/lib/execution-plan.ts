import {
  stepDag,
  TERMINAL_STEP_RUN_STATUSES,
  type DetailedExecutionPlan,
  type PipelineDefinition,
  type PlanContext,
  type StepStates,
} from '@mockops/pipeline-core';
import type { RunnerExecution, RunnerStepRun, StepAdvance } from './runner-store';

// The runtime's side of pipeline-core's planner: step states and context from the store's rows, and
// the plan turned into what the store records (skips with reasons, failed conditions, the end).

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STEP_RUN_STATUSES);

/** What conditions read besides the steps: the execution's event and owner. */
export function planContextOf(execution: Pick<RunnerExecution, 'event' | 'workspaceId' | 'status'>): PlanContext {
  return { event: execution.event, workspaceId: execution.workspaceId, cancelRequested: execution.status === 'cancelled' };
}

/**
 * The planner's states from step runs, with the outputs of every finished step (a finished step
 * without outputs has none: `{}`), so a condition reading `steps.X.outputs` can always be decided.
 */
export function statesOf(runs: readonly Pick<RunnerStepRun, 'stepName' | 'status' | 'outputs'>[]): StepStates {
  const states: StepStates = {};
  for (const r of runs) states[r.stepName] = TERMINAL.has(r.status) ? { status: r.status, outputs: r.outputs ?? {} } : { status: r.status };
  return states;
}

/** The plan's decisions about pending steps, as the store applies them. */
export function decisionsOf(plan: DetailedExecutionPlan): Omit<StepAdvance, 'finish'> {
  const decisions: Omit<StepAdvance, 'finish'> = { skip: plan.toSkip };
  if (plan.toSkip.length) decisions.skipReasons = plan.skipReasons;
  if (plan.toFail.length) decisions.fail = Object.fromEntries(plan.toFail.map((f) => [f.step, f.error]));
  return decisions;
}

export function hasDecisions(d: Omit<StepAdvance, 'finish'>): boolean {
  return d.skip.length > 0 || (d.fail !== undefined && Object.keys(d.fail).length > 0);
}

/** The execution's error when the plan ends it failed: the deciding step's error. */
export function finishError(plan: DetailedExecutionPlan, errorOf: (step: string) => string | null | undefined): string | null {
  const failed = plan.failedStep;
  if (failed === undefined) return null;
  const error = plan.toFail.find((f) => f.step === failed)?.error ?? errorOf(failed);
  return `step "${failed}" failed: ${error ?? 'unknown error'}`;
}

/**
 * The outputs a step's templates see: those of its ancestors (the steps it reaches through `needs`)
 * that succeeded. Only ancestors, so a template never depends on which parallel branch finished first.
 */
export function ancestorOutputs(
  definition: Pick<PipelineDefinition, 'steps'>,
  runs: readonly Pick<RunnerStepRun, 'stepName' | 'status' | 'outputs'>[],
  stepName: string,
): Record<string, { outputs: Record<string, unknown> }> {
  const ancestors = stepDag(definition).ancestorsOf(stepName);
  const steps: Record<string, { outputs: Record<string, unknown> }> = {};
  for (const r of runs) if (r.status === 'succeeded' && ancestors.has(r.stepName)) steps[r.stepName] = { outputs: r.outputs ?? {} };
  return steps;
}
