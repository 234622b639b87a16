import { buildStepGraph, stepDag, type StepDag, type StepNode } from './dag';
import type { EventEnvelope } from './events';
import { compileCondition, decideCondition, type CompiledCondition } from './expressions/condition';
import { ExpressionSyntaxError } from './expressions/parser';
import { Unresolved, type EvaluationScope } from './expressions/evaluator';
import { eventWorkspaceId } from './filters';
import { TERMINAL_STEP_RUN_STATUSES, type ExecutionStatus, type PipelineDefinition, type StepRunStatus } from './types';

export { buildStepGraph, type StepNode };

/** What the store knows of each step run. `outputs` is only read by conditions that use it. */
export type StepStates = Record<string, { status: StepRunStatus; outputs?: Record<string, unknown> } | undefined>;

/** What conditions (`if:`) read besides the steps: the execution's event and its owner. */
export interface PlanContext {
  /** The execution's event: `event.*` in a condition is its payload, `envelope.*` the whole of it. */
  event?: EventEnvelope;
  /** The pipeline's owner (null: global); `workspace_id` falls back to the event's workspace. */
  workspaceId?: string | null;
  /** Cancellation was asked for: only steps whose condition says always() or cancelled() still start. */
  cancelRequested?: boolean;
}

export interface ExecutionPlan {
  /** Pending steps to start now (several at once for parallel branches): enqueue these. */
  runnable: string[];
  /** Pending steps that will not run (a need failed/was skipped, or `if:` is false): mark skipped. */
  toSkip: string[];
  /** Every step is in a terminal state once `toSkip` (and the detailed plan's `toFail`) is applied. */
  finished: boolean;
  status: ExecutionStatus;
  /** The failure that decided the run (a step without continue_on_error). */
  failedStep?: string;
  /** Every failed step, including those tolerated by continue_on_error. */
  failedSteps: string[];
}

export type SkipReason =
  | { code: 'NEED_FAILED' | 'NEED_SKIPPED' | 'NEED_CANCELLED'; need: string; message: string }
  | { code: 'CONDITION_FALSE'; condition: string; message: string }
  | { code: 'EXECUTION_CANCELLED'; message: string };

export interface DetailedExecutionPlan extends ExecutionPlan {
  /** Why each step of `toSkip` is skipped: store it with the step run. */
  skipReasons: Record<string, SkipReason>;
  /** Steps whose `if:` could not be evaluated (e.g. fromJSON of bad text): mark them failed with this error. */
  toFail: { step: string; error: string }[];
  /**
   * Steps ready to be decided whose `if:` reads values the caller did not pass (`steps.X.outputs`
   * missing from the states, or no event in the context): pass them and plan again.
   */
  awaiting: { step: string; needs: string[] }[];
}

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STEP_RUN_STATUSES);

const conditionCache = new WeakMap<readonly unknown[], Map<string, CompiledCondition | Error | null>>();

/** A step's compiled `if:` (null when it has none), parsed once per definition. */
export function stepCondition(definition: Pick<PipelineDefinition, 'steps'>, stepName: string): CompiledCondition | Error | null {
  let perStep = conditionCache.get(definition.steps);
  if (!perStep) conditionCache.set(definition.steps, (perStep = new Map()));
  const cached = perStep.get(stepName);
  if (cached !== undefined) return cached;
  const step = definition.steps.find((s) => s.name === stepName);
  let compiled: CompiledCondition | Error | null = null;
  if (step && step.if !== undefined) {
    try {
      compiled = compileCondition(step.if);
    } catch (e) {
      // Only an unvalidated definition gets here: the parser refuses a bad condition at save time.
      compiled = e instanceof ExpressionSyntaxError ? e : new Error(String(e));
    }
  }
  perStep.set(stepName, compiled);
  return compiled;
}

/**
 * How a step looks to the decision: the statuses of the steps before it, and their outputs
 * (undefined: not given / not known yet). A dry run may not know a status (`unknown`), or know only
 * that a step did not fail (`succeeded_or_skipped`: it runs if its condition holds, and succeeds).
 */
export type ViewStatus = StepRunStatus | 'unknown' | 'succeeded_or_skipped';
export interface StepView {
  status(step: string): ViewStatus;
  outputs(step: string): Record<string, unknown> | undefined;
}

export type StepDecision =
  | { kind: 'run' }
  | { kind: 'skip'; reason: SkipReason }
  | { kind: 'fail'; error: string }
  | { kind: 'undecided'; needs: readonly string[] };

/** failed + continue_on_error counts as succeeded for the status functions (GitHub's "conclusion"). */
function conclusion(dag: StepDag, view: StepView, name: string): ViewStatus {
  const status = view.status(name);
  return status === 'failed' && dag.byName.get(name)?.continueOnError ? 'succeeded' : status;
}

function scopeFor(dag: StepDag, node: StepNode, compiled: CompiledCondition | null, view: StepView, ctx: PlanContext): EvaluationScope {
  const event = ctx.event;
  const missingEvent = new Unresolved(['event']);
  return {
    root(name) {
      switch (name) {
        case 'event':
          return event ? (event.payload ?? {}) : missingEvent;
        case 'envelope':
          return event ?? missingEvent;
        case 'workspace_id':
          if (ctx.workspaceId) return ctx.workspaceId;
          return event ? (eventWorkspaceId(event) ?? null) : missingEvent;
        case 'workspace_name':
          return event ? (event.workspace_name ?? null) : missingEvent;
        case 'steps': {
          const steps: Record<string, { outputs: unknown; status: unknown }> = {};
          for (const ref of compiled?.stepRefs ?? []) {
            const status = view.status(ref.step);
            // A step that never ran has no outputs; one that ran has them in the states, or they are missing.
            const outputs = view.outputs(ref.step) ?? (status === 'skipped' || status === 'cancelled' ? {} : undefined);
            steps[ref.step] = {
              status: TERMINAL.has(status) ? status : new Unresolved([`steps.${ref.step}.status`]),
              outputs: outputs ?? new Unresolved([`steps.${ref.step}.outputs`]),
            };
          }
          return steps;
        }
        default:
          return null;
      }
    },
    status(fn) {
      const unknown: string[] = [];
      if (fn === 'success') {
        if (ctx.cancelRequested) return false;
        for (const need of node.needs) {
          const c = conclusion(dag, view, need);
          if (c === 'unknown' || c === 'succeeded_or_skipped') unknown.push(`steps.${need}.status`);
          else if (c !== 'succeeded') return false;
        }
        return unknown.length ? new Unresolved(unknown) : true;
      }
      if (fn === 'cancelled' && ctx.cancelRequested) return true;
      const wanted = fn === 'failure' ? 'failed' : 'cancelled';
      for (const a of dag.ancestorsOf(node.name)) {
        const c = conclusion(dag, view, a);
        if (c === wanted) return true;
        if (c === 'unknown') unknown.push(`steps.${a}.status`);
      }
      return unknown.length ? new Unresolved(unknown.sort()) : false;
    },
  };
}

function dependencyReason(dag: StepDag, node: StepNode, view: StepView, ctx: PlanContext): SkipReason {
  if (ctx.cancelRequested) return { code: 'EXECUTION_CANCELLED', message: 'the execution was cancelled' };
  for (const need of node.needs) {
    const c = conclusion(dag, view, need);
    if (c === 'failed' || c === 'skipped' || c === 'cancelled') {
      const code = c === 'failed' ? 'NEED_FAILED' : c === 'skipped' ? 'NEED_SKIPPED' : 'NEED_CANCELLED';
      return { code, need, message: `needs "${need}", which ${c === 'failed' ? 'failed' : `was ${c}`}` };
    }
  }
  return { code: 'NEED_SKIPPED', need: node.needs[0] ?? '', message: 'its needs did not succeed' };
}

/**
 * Decides one step whose needs are finished: run it, skip it (and why), fail it (its condition
 * could not be evaluated), or not yet (its condition reads values not given). Used by the planner
 * and by the dry run (where statuses may be `unknown`).
 */
export function decideStep(definition: Pick<PipelineDefinition, 'steps'>, stepName: string, view: StepView, ctx: PlanContext = {}): StepDecision {
  const dag = stepDag(definition);
  const node = dag.byName.get(stepName);
  if (!node) throw new Error(`no step named "${stepName}"`);
  const compiled = stepCondition(definition, stepName);
  if (compiled instanceof Error) return { kind: 'fail', error: `if: ${compiled.message}` };
  const outcome = decideCondition(compiled, scopeFor(dag, node, compiled, view, ctx));
  switch (outcome.kind) {
    case 'true':
      return { kind: 'run' };
    case 'false':
      if (outcome.by === 'dependencies') return { kind: 'skip', reason: dependencyReason(dag, node, view, ctx) };
      return { kind: 'skip', reason: { code: 'CONDITION_FALSE', condition: compiled?.source ?? '', message: `if: ${compiled?.source ?? ''} is false` } };
    case 'error':
      return { kind: 'fail', error: `if: ${outcome.message}` };
    default:
      return { kind: 'undecided', needs: outcome.needs };
  }
}

/**
 * Decides what happens next from the step states (pure; the store is the source of truth), on the
 * graph of `needs`, with each step's `if:` (GitHub Actions' rules, docs/language.md):
 * - a step is decided once every step it needs is finished; then its condition (default
 *   `success()`: every need succeeded, a failure tolerated by continue_on_error counting as success)
 *   says whether it runs or is skipped, with the reason;
 * - independent branches run at the same time; a join waits for all of its needs;
 * - the execution is finished when every step is; it failed when a step failed without
 *   continue_on_error (even if a failure-path step ran after it), else it was cancelled when a step
 *   was or cancellation was asked for, else it succeeded.
 */
export function planExecutionDetailed(definition: Pick<PipelineDefinition, 'steps'>, states: StepStates, ctx: PlanContext = {}): DetailedExecutionPlan {
  const dag = stepDag(definition);
  const status = new Map<string, StepRunStatus>();
  for (const node of dag.nodes) status.set(node.name, states[node.name]?.status ?? 'pending');
  const view: StepView = {
    status: (name) => {
      const s = status.get(name);
      return s && TERMINAL.has(s) ? s : 'unknown';
    },
    outputs: (name) => states[name]?.outputs,
  };

  const runnable: string[] = [];
  const toSkip: string[] = [];
  const skipReasons: Record<string, SkipReason> = {};
  const toFail: { step: string; error: string }[] = [];
  const awaiting: { step: string; needs: string[] }[] = [];
  // Topological order: a step's needs are decided (and skips/failures applied) before the step.
  for (const node of dag.order) {
    if (status.get(node.name) !== 'pending') continue;
    if (!node.needs.every((n) => TERMINAL.has(status.get(n) ?? 'pending'))) continue;
    const decision = decideStep(definition, node.name, view, ctx);
    if (decision.kind === 'run') runnable.push(node.name);
    else if (decision.kind === 'skip') {
      toSkip.push(node.name);
      skipReasons[node.name] = decision.reason;
      status.set(node.name, 'skipped');
    } else if (decision.kind === 'fail') {
      toFail.push({ step: node.name, error: decision.error });
      status.set(node.name, 'failed');
    } else {
      // Waiting for an ancestor still running is normal; missing outputs or event are the caller's to give.
      const missing = decision.needs.filter((n) => !n.endsWith('.status'));
      if (missing.length) awaiting.push({ step: node.name, needs: missing });
    }
  }

  const failedSteps = dag.nodes.filter((n) => status.get(n.name) === 'failed').map((n) => n.name);
  const failedStep = dag.nodes.find((n) => status.get(n.name) === 'failed' && !n.continueOnError)?.name;
  const finished = dag.nodes.every((n) => TERMINAL.has(status.get(n.name) ?? 'pending'));
  const cancelled = ctx.cancelRequested === true || dag.nodes.some((n) => status.get(n.name) === 'cancelled');
  const started = dag.nodes.some((n) => status.get(n.name) !== 'pending');

  let execStatus: ExecutionStatus;
  if (finished) execStatus = failedStep ? 'failed' : cancelled ? 'cancelled' : 'succeeded';
  else execStatus = started ? 'running' : 'queued';

  const plan: DetailedExecutionPlan = { runnable: finished ? [] : runnable, toSkip, finished, status: execStatus, failedSteps, skipReasons, toFail, awaiting };
  if (failedStep) plan.failedStep = failedStep;
  return plan;
}

/**
 * The plan without reasons (the first planner's shape, kept for its callers). With `needs`/`if:`
 * documents use planExecutionDetailed: it also says why steps are skipped, which to fail, and when
 * outputs are needed to decide.
 */
export function planExecution(definition: Pick<PipelineDefinition, 'steps'>, states: StepStates, ctx: PlanContext = {}): ExecutionPlan {
  const { runnable, toSkip, finished, status, failedStep, failedSteps } = planExecutionDetailed(definition, states, ctx);
  const plan: ExecutionPlan = { runnable, toSkip, finished, status, failedSteps };
  if (failedStep) plan.failedStep = failedStep;
  return plan;
}

/** The steps to enqueue when an execution is created (pass the event when conditions read it). */
export function firstSteps(definition: Pick<PipelineDefinition, 'steps'>, ctx: PlanContext = {}): string[] {
  return planExecution(definition, {}, ctx).runnable;
}
