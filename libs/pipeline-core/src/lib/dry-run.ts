import { concurrencyGroupKey } from './concurrency';
import { stepDag } from './dag';
import { debounceConfig, formatDuration } from './debounce';
import { formatPath, type PathSegment } from './diagnostics';
import type { EventEnvelope } from './events';
import { eventKeyContext, renderEventKey, type EventKeyInput } from './event-keys';
import { eventWorkspaceId, explainFilters, type FilterExplanation } from './filters';
import { decideStep, stepCondition, type PlanContext, type SkipReason, type StepView, type ViewStatus } from './planner';
import { checkSecretAccess, isCredentialField, matchSecretForm, secretUsage, type SecretScope } from './secret-usage';
import { TemplateError, sharedRenderer, type RenderBudget, type TemplateContext, type TemplateRenderer } from './template-renderer';
import type { PipelineDocument, StepDefinition } from './types';
import { isPlainObject, isTemplate } from './validation/checks';

/**
 * What an event would do to a pipeline, without doing it (pure): which trigger matches and, when
 * none does, which filter failed and what the event holds there; the debounce key and concurrency
 * group it would get; the plan on the graph of steps, with each `if:` decided from the event when
 * it can be; and every step's config rendered with secrets shown as `***`. A plain structure for
 * the CLI and the API to print.
 */
export interface DryRunOptions {
  /** The pipeline's owner (null or absent: a global pipeline). An owned pipeline sees only its workspace's events. */
  workspaceId?: string | null;
  /** The saved pipeline's id, when there is one (`{{ pipeline.id }}`, debounce keys). */
  pipelineId?: string;
  /** Which secrets the pipeline may use: each reference is checked by name (values are never read). */
  secrets?: SecretScope;
  /** When the execution would start (`{{ timestamp }}`); default: the event's occurred_at. */
  now?: Date;
  renderer?: TemplateRenderer;
}

export interface DryRunTrigger {
  index: number;
  event: string;
  matched: boolean;
  /** Why it did not match: another event type, or a filter (with the event's value). */
  reason?: 'EVENT_TYPE' | 'FILTER';
  message?: string;
  filters: FilterExplanation[];
  debounce?: { key?: string; error?: string; period: string; maxWait?: string; summary: string };
}

export interface DryRunStep {
  name: string;
  stepType: string;
  needs: string[];
  condition: {
    /** The `if:` as written; null when absent (then it is `success()`). */
    source: string | null;
    /** The condition is decided by the event alone, before any step has run. */
    decidableNow: boolean;
    /** Its value, when decidable now. */
    value?: boolean;
    /** What it is decided on at run time otherwise (`steps.build.status`, `steps.gen.outputs`). */
    runtimeInputs: string[];
  };
  /** What happens to the step if every step that runs succeeds. */
  outcome: 'runs' | 'skipped' | 'decided_at_run_time' | 'fails';
  skipReason?: SkipReason;
  /** Why the condition cannot be evaluated (outcome `fails`). */
  error?: string;
  /** The config rendered now; a value that cannot be rendered yet keeps its template. Secrets are `***`. */
  config: unknown;
  /** Values rendered only at run time, and why (a step's outputs, the execution id). */
  renderedAtRunTime: { path: string; reason: string }[];
  /** Values that will fail to render at run time too (an event field that is not there). */
  renderErrors: { path: string; error: string }[];
  /** Secrets used, by name, with what is wrong with each (not allowed, not set). */
  secrets: { name: string; field: string; problem?: string }[];
}

export interface DryRunResult {
  pipeline: string;
  event: { id: string; type: string; workspaceId?: string };
  enabled: boolean;
  /** The event would start an execution: enabled, in the pipeline's workspace, and a trigger matched. */
  matched: boolean;
  /** The trigger that starts it: the first that matches. */
  trigger?: number;
  /** For an owned pipeline: whether the event belongs to its workspace. */
  workspace?: { matched: boolean; message: string };
  triggers: DryRunTrigger[];
  concurrency?: { group?: string; error?: string; cancelInProgress: boolean; summary: string };
  plan: { assumption: string; steps: DryRunStep[] };
}

const ASSUMPTION = 'outcomes assume every step that runs succeeds; conditions that read step outputs are decided at run time';

function describeValue(v: unknown): string {
  return v === undefined ? 'no such field' : JSON.stringify(v);
}

function explainTriggers(document: PipelineDocument, event: EventEnvelope, keyInput: EventKeyInput, renderer: TemplateRenderer): DryRunTrigger[] {
  return document.definition.triggers.map((trigger, index): DryRunTrigger => {
    if (trigger.event !== event.type) {
      return { index, event: trigger.event, matched: false, reason: 'EVENT_TYPE', message: `the event is ${event.type}; this trigger listens to ${trigger.event}`, filters: [] };
    }
    const explained = explainFilters(trigger.filters, event);
    const out: DryRunTrigger = { index, event: trigger.event, matched: explained.matched, filters: explained.filters };
    if (explained.failed) {
      const f = explained.failed;
      out.reason = 'FILTER';
      out.message = `filter ${f.key}: expected ${JSON.stringify(f.expected)}, the event has ${describeValue(f.actual)}${f.source === 'missing' ? '' : ` (${f.source})`}`;
    }
    if (trigger.debounce) {
      const d = trigger.debounce;
      const cfg = debounceConfig(d);
      const key = d.key === undefined ? null : renderEventKey(d.key, keyInput, `triggers[${index}].debounce.key`, renderer);
      const limit = cfg.maxWaitMs === undefined ? '' : `, at most ${formatDuration(cfg.maxWaitMs)} after the first`;
      out.debounce = {
        period: d.period,
        ...(d.max_wait ? { maxWait: d.max_wait } : {}),
        summary: `events ${d.key === undefined ? 'of this trigger' : 'with the same key'} less than ${formatDuration(cfg.periodMs)} apart start one execution, with the last event, ${formatDuration(cfg.periodMs)} after the last one${limit}`,
      };
      if (key?.ok) out.debounce.key = key.text;
      else if (key) out.debounce.error = key.error;
    }
    return out;
  });
}

/** Why a template cannot be rendered before the run, or null when the failure is a real error. */
function runtimeReason(variable: string): string | null {
  if (variable.startsWith('steps.')) return `reads the outputs of step "${variable.split('.')[1]}", known once it has run`;
  if (variable === 'execution_id') return 'the execution id is assigned when the execution is created';
  if (variable === 'pipeline.id' || variable === 'pipeline') return 'the pipeline id is assigned when the pipeline is saved';
  if (variable.startsWith('secrets')) return 'secrets are resolved only at run time';
  return null;
}

function renderStepConfig(step: StepDefinition, ctx: TemplateContext, renderer: TemplateRenderer, budget: RenderBudget) {
  const renderedAtRunTime: DryRunStep['renderedAtRunTime'] = [];
  const renderErrors: DryRunStep['renderErrors'] = [];
  const walk = (v: unknown, path: PathSegment[]): unknown => {
    if (typeof v === 'string') {
      const form = isCredentialField(step.step_type, path) ? matchSecretForm(v) : null;
      if (form) return form.form === 'whole' ? '***' : `${form.prefix}***${walk(form.suffix, path)}`;
      if (!isTemplate(v)) return v;
      try {
        return renderer.renderValue(v, ctx, formatPath(path), budget);
      } catch (e) {
        const err = e instanceof TemplateError ? e : new TemplateError(String(e), 'TEMPLATE_ERROR', formatPath(path));
        const reason = err.code === 'UNDEFINED_VARIABLE' && err.variable ? runtimeReason(err.variable) : null;
        if (reason) renderedAtRunTime.push({ path: formatPath(path), reason });
        else renderErrors.push({ path: formatPath(path), error: err.message });
        return v;
      }
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, [...path, k])]));
    return v;
  };
  return { config: walk(step.config, []), renderedAtRunTime, renderErrors };
}

function stepSecrets(step: StepDefinition, renderer: TemplateRenderer, scope?: SecretScope): DryRunStep['secrets'] {
  const usage = secretUsage(step.step_type, step.config, renderer);
  return usage.refs.map((ref) => {
    const issue = scope ? checkSecretAccess(step.step_type, ref, scope) : null;
    return issue ? { name: ref.name, field: ref.field, problem: issue.message } : { name: ref.name, field: ref.field };
  });
}

/** What `event` would do to `document` (see DryRunResult). Pure: no I/O, no secret values. */
export function dryRun(document: PipelineDocument, event: EventEnvelope, opts: DryRunOptions = {}): DryRunResult {
  const renderer = opts.renderer ?? sharedRenderer();
  // Every step's config in one budget, as the worker gives one step: a dry run renders them all at once.
  const budget = renderer.createBudget();
  const definition = document.definition;
  const owner = opts.workspaceId ?? null;
  // Without a saved id, `{{ pipeline.id }}` is reported as known only once the pipeline is saved.
  const pipeline = (opts.pipelineId ? { id: opts.pipelineId, name: document.name } : { name: document.name }) as EventKeyInput['pipeline'];
  const keyInput: EventKeyInput = { event, ownerWorkspaceId: owner, pipeline };

  const triggers = explainTriggers(document, event, keyInput, renderer);
  const first = triggers.find((t) => t.matched);
  const eventWorkspace = eventWorkspaceId(event);
  const workspace =
    owner === null
      ? undefined
      : eventWorkspace === owner
        ? { matched: true, message: `the event belongs to workspace ${owner}` }
        : { matched: false, message: `the pipeline belongs to workspace ${owner}; the event ${eventWorkspace ? `belongs to ${eventWorkspace}` : 'has no workspace'}` };

  const result: DryRunResult = {
    pipeline: document.name,
    event: { id: event.id, type: event.type, ...(eventWorkspace ? { workspaceId: eventWorkspace } : {}) },
    enabled: definition.enabled !== false,
    matched: definition.enabled !== false && (workspace?.matched ?? true) && first !== undefined,
    triggers,
    plan: { assumption: ASSUMPTION, steps: [] },
  };
  if (first) result.trigger = first.index;
  if (workspace) result.workspace = workspace;

  if (definition.concurrency) {
    const c = definition.concurrency;
    const key = concurrencyGroupKey(c, keyInput, renderer);
    const mode = c.cancel_in_progress ? 'a newer execution cancels the running one' : 'the others wait in event order';
    result.concurrency = { cancelInProgress: c.cancel_in_progress === true, summary: `one execution of the group runs at a time; ${mode}` };
    if (key.ok) result.concurrency.group = key.group;
    else result.concurrency.error = key.error;
  }

  const ctx: PlanContext = { event, workspaceId: owner };
  // No step has outputs yet: `steps: {}` makes an undefined variable name the step it reads.
  const templateCtx: TemplateContext = { ...eventKeyContext(keyInput), timestamp: (opts.now ?? new Date(event.occurred_at)).toISOString(), steps: {} };
  const dag = stepDag(definition);
  const nothingKnown: StepView = { status: () => 'unknown', outputs: () => undefined };
  const predicted = new Map<string, ViewStatus>();
  const happyPath: StepView = { status: (name) => predicted.get(name) ?? 'unknown', outputs: () => undefined };
  const byName = new Map(definition.steps.map((s) => [s.name, s]));

  const steps = new Map<string, DryRunStep>();
  for (const node of dag.order) {
    const step = byName.get(node.name);
    if (!step) continue;
    const now = decideStep(definition, node.name, nothingKnown, ctx);
    const compiled = stepCondition(definition, node.name);
    const condition: DryRunStep['condition'] = {
      source: compiled === null ? null : compiled instanceof Error ? String(step.if) : compiled.source,
      decidableNow: now.kind !== 'undecided',
      runtimeInputs: now.kind === 'undecided' ? [...now.needs] : [],
    };
    if (now.kind === 'run' || now.kind === 'skip') condition.value = now.kind === 'run';

    const sim = decideStep(definition, node.name, happyPath, ctx);
    const rendered = renderStepConfig(step, templateCtx, renderer, budget);
    const entry: DryRunStep = {
      name: node.name,
      stepType: step.step_type,
      needs: node.needs,
      condition,
      outcome: sim.kind === 'run' ? 'runs' : sim.kind === 'skip' ? 'skipped' : sim.kind === 'fail' ? 'fails' : 'decided_at_run_time',
      ...rendered,
      secrets: stepSecrets(step, renderer, opts.secrets),
    };
    if (sim.kind === 'skip') entry.skipReason = sim.reason;
    if (sim.kind === 'fail') entry.error = sim.error;
    // Decided at run time: it runs and succeeds, or is skipped — under the assumption, it never fails.
    predicted.set(node.name, sim.kind === 'run' ? 'succeeded' : sim.kind === 'skip' ? 'skipped' : sim.kind === 'fail' ? 'failed' : 'succeeded_or_skipped');
    steps.set(node.name, entry);
  }
  // Report in the order the steps are written.
  result.plan.steps = dag.nodes.flatMap((n) => steps.get(n.name) ?? []);
  return result;
}

/** A dry run as the API and `mockforge pipelines test -o json` print it: snake_case keys, configs as rendered. */
export function dryRunReport(r: DryRunResult): Record<string, unknown> {
  const drop = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return drop({
    pipeline: r.pipeline,
    event: drop({ id: r.event.id, type: r.event.type, workspace_id: r.event.workspaceId }),
    enabled: r.enabled,
    matched: r.matched,
    trigger: r.trigger,
    workspace: r.workspace,
    triggers: r.triggers.map((t) =>
      drop({
        index: t.index,
        event: t.event,
        matched: t.matched,
        reason: t.reason,
        message: t.message,
        filters: t.filters,
        debounce: t.debounce && drop({ key: t.debounce.key, error: t.debounce.error, period: t.debounce.period, max_wait: t.debounce.maxWait, summary: t.debounce.summary }),
      }),
    ),
    concurrency: r.concurrency && drop({ group: r.concurrency.group, error: r.concurrency.error, cancel_in_progress: r.concurrency.cancelInProgress, summary: r.concurrency.summary }),
    plan: {
      assumption: r.plan.assumption,
      steps: r.plan.steps.map((s) =>
        drop({
          name: s.name,
          step_type: s.stepType,
          needs: s.needs,
          condition: drop({ source: s.condition.source, decidable_now: s.condition.decidableNow, value: s.condition.value, runtime_inputs: s.condition.runtimeInputs }),
          outcome: s.outcome,
          skip_reason: s.skipReason,
          error: s.error,
          config: s.config,
          rendered_at_run_time: s.renderedAtRunTime,
          render_errors: s.renderErrors,
          secrets: s.secrets,
        }),
      ),
    },
  });
}
