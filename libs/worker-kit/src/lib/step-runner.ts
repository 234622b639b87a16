import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  LruCache,
  TemplateRenderer,
  checkSecretAccess,
  formatPath,
  matchSecretForm,
  planExecutionDetailed,
  stepTypeDefinition,
  resolveStepRuntime,
  secretUsage,
  type PathSegment,
  type SecretReference,
  type SecretUsageProblem,
  type StepDefinition,
  type TemplateContext,
  type LogSink,
  type PipelineDocument,
} from '@mockops/pipeline-core';
import type { StepHandler, StepRunContext } from './step-handler';
import { StepError } from './step-errors';
import type { RunnerExecution, RunnerStepRun, RunnerStore, StepAdvance, StepLogLine } from './runner-store';
import type { ExecutionAdvancer } from './execution-advancer';
import type { RevisionCache } from './revision-cache';
import type { StepJobData } from './queues';
import { redactConfig, scrubText, sensitiveValues, toStorable } from './redaction';
import type { ResolvedSecret, SecretResolver } from './secrets';
import { changeOf, type ExecutionChangeSink } from '@mockops/event-stream';
import { ancestorOutputs, decisionsOf, finishError, planContextOf, statesOf } from './execution-plan';
import { NO_STEP_OBSERVER, type StepAttemptInfo, type StepAttemptOutcome, type StepObserver } from './step-observer';

export interface StepRunnerOptions {
  store: RunnerStore;
  revisions: RevisionCache;
  advancer: ExecutionAdvancer;
  handlers: StepHandler<any>[];
  /** Who may use which secret, and their values (workspace store + operator credentials). */
  secrets: SecretResolver;
  leaseMs: number;
  /**
   * How often a running step renews its lease and learns that it was cancelled or taken over (then
   * its handler is aborted). Default a third of the lease, at most 2 s.
   */
  leaseCheckMs?: number;
  logger: LogSink;
  renderer?: TemplateRenderer;
  workerId?: string;
  /** Told when a step starts and ends (live views); optional, fire-and-forget. */
  changes?: ExecutionChangeSink;
  /** Told about each job and attempt (metrics, traces, log fields); optional. */
  observer?: StepObserver;
}

/** What the queue adapter must do with the job after `run`. */
export type RunOutcome =
  | { kind: 'done'; detail: string }
  /** A transient failure with attempts left: let the queue retry with backoff. */
  | { kind: 'retry'; error: Error }
  /** Recorded as failed for good: the queue must not retry. */
  | { kind: 'failed'; error: Error }
  /** Another worker holds a live lease on the step: look again later without using an attempt. */
  | { kind: 'busy'; delayMs: number };

/** Fails boot when a step type has two handlers (ENGINEERING: fail fast). */
export function indexHandlers(handlers: StepHandler<any>[]): Map<string, StepHandler<any>> {
  const byType = new Map<string, StepHandler<any>>();
  for (const h of handlers) {
    if (byType.has(h.stepType)) throw new Error(`two handlers registered for step type "${h.stepType}"`);
    byType.set(h.stepType, h);
  }
  return byType;
}

/** The run stopped being this worker's: cancelled, or its lease was taken over. */
/** The largest progress record a step may keep (StepRunContext.saveProgress). */
const MAX_PROGRESS_BYTES = 64 * 1024;

/** A plan decided at the claim (StepRunner.fastPlan): what the store records with the outcome, and the steps to dispatch after. */
type FastPlan = StepAdvance & { next: string[] };

type OutcomeRecorded = { recorded: boolean; finished: boolean };

/** How long a step runs before live views are told it is running (a quicker step only reports its end). */
const RUNNING_NOTICE_DELAY_MS = 250;

class LeaseLostError extends Error {
  constructor() {
    super('the step was cancelled or its lease was lost');
    this.name = 'LeaseLostError';
  }
}

/** A store error that cannot succeed on retry (a value Postgres refuses): matched by name and code. */
function isDataError(e: unknown): boolean {
  const err = e as { name?: unknown; code?: unknown };
  return err?.name === 'StoreError' && err.code === 'INVALID';
}

type SecretPlan = { refs: SecretReference[]; problems: SecretUsageProblem[] };

/**
 * The worker base: claims the step run (compare-and-set with a lease), resolves the secrets the
 * pipeline may use, renders its config with pipeline-core, runs the handler under the step's timeout
 * while renewing the lease (a cancel or a lost lease aborts it), records the outcome, and advances the
 * execution. A step type's worker is its handler plus this.
 */
export class StepRunner {
  private readonly handlers: Map<string, StepHandler<any>>;
  private readonly renderer: TemplateRenderer;
  private readonly workerId: string;
  private readonly shutdown = new AbortController();
  private readonly plans = new LruCache<string, SecretPlan>(2000);
  private inFlight = 0;
  private idle?: () => void;

  constructor(private readonly opts: StepRunnerOptions) {
    this.handlers = indexHandlers(opts.handlers);
    this.renderer = opts.renderer ?? new TemplateRenderer();
    this.workerId = opts.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  }

  /** The observer of this runner's steps (the queue adapter runs each job inside `observer.job`). */
  get observer(): StepObserver {
    return this.opts.observer ?? NO_STEP_OBSERVER;
  }

  get stepTypes(): string[] {
    return [...this.handlers.keys()];
  }

  /** Aborts the signal of running handlers (a hard stop after the graceful window). */
  abortAll(): void {
    this.shutdown.abort(new Error('worker shutting down'));
  }

  /**
   * Graceful stop: waits until the steps in flight have finished (and recorded their outcome), at most
   * `graceMs`, then aborts whatever still runs; an aborted step is retried by another worker.
   */
  async drain(graceMs: number): Promise<void> {
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.abortAll();
  }

  async run(data: StepJobData, jobId = 'job'): Promise<RunOutcome> {
    this.inFlight++;
    try {
      return await this.runStep(data, jobId);
    } finally {
      if (--this.inFlight === 0) this.idle?.();
    }
  }

  private async runStep(data: StepJobData, jobId: string): Promise<RunOutcome> {
    const { store, revisions, advancer, logger } = this.opts;
    const owner = `${this.workerId}:${jobId}`;
    // One round trip: claim, and read the execution with its step runs.
    const loaded = await store.claimAndLoad(data.executionId, data.stepName, { owner, leaseMs: this.opts.leaseMs, createdAt: data.createdAt });
    const { execution, claimed } = loaded;
    if (!execution) return { kind: 'done', detail: `execution ${data.executionId} no longer exists` };
    const current = loaded.stepRuns.find((r) => r.stepName === data.stepName);
    if (!current) return { kind: 'done', detail: `execution ${execution.id} has no step "${data.stepName}"` };
    if (!claimed) {
      if (current.status === 'running' && current.leaseOwner?.startsWith('parked:')) {
        return { kind: 'done', detail: `step "${data.stepName}" is waiting (${current.leaseOwner.slice(7)})` };
      }
      if (current.status === 'running') return { kind: 'busy', delayMs: Math.max(1000, Math.round(this.opts.leaseMs / 2)) };
      // Already decided (a duplicate delivery, or a crash after recording the outcome): make sure the
      // execution moved on, which is idempotent.
      if (['succeeded', 'failed', 'skipped'].includes(current.status)) await advancer.advance(execution.id);
      return { kind: 'done', detail: `step "${data.stepName}" is ${current.status}; nothing to run` };
    }
    const document = await revisions.get(execution.revisionId);
    const step = document.definition.steps.find((s) => s.name === data.stepName);
    const handler = step && this.handlers.get(step.step_type);
    if (!step || !handler) {
      const why = step ? `this worker has no handler for step type "${step.step_type}"` : `revision ${execution.revisionId} has no step "${data.stepName}"`;
      const failure = { error: why, errorCode: 'NO_HANDLER', logs: [], willRetry: false };
      const plan = this.fastPlan(execution, document, loaded.stepRuns, data.stepName, { status: 'failed', error: why });
      const recorded = await store.failAndAdvance(claimed.id, owner, failure, plan, execution.createdAt);
      if (recorded.recorded) await this.moveOn(execution, document, data.stepName, 'failed', plan, recorded.finished);
      return { kind: 'failed', error: new Error(why) };
    }
    const runtime = resolveStepRuntime(step);

    // Live views hear of a running step only when it runs for a while: a quick step sends one notice, at its end.
    const runningNotice = setTimeout(() => this.opts.changes?.notify(changeOf(execution, 'running', { name: step.name, status: 'running' })), RUNNING_NOTICE_DELAY_MS);
    const logs: StepLogLine[] = [];
    const attempt = claimed.attempts;
    let renderedConfig: unknown;
    // Every value that must never be stored or logged in clear; grows as secrets are resolved.
    const scrub: string[] = [...this.opts.secrets.operatorValues];
    const log = (message: string) => logs.push({ at: new Date().toISOString(), attempt, message: scrubText(message, scrub) });
    const observer = this.observer;
    const info: StepAttemptInfo = {
      executionId: execution.id,
      pipelineId: execution.pipelineId,
      workspaceId: execution.workspaceId,
      stepName: step.name,
      stepType: step.step_type,
      attempt,
      maxAttempts: claimed.maxAttempts,
    };
    observer.attemptStarted(info, (text) => scrubText(text, scrub));
    let handlerStarted: number | undefined;
    const finished = (outcome: StepAttemptOutcome, error?: string) =>
      observer.attemptFinished(info, outcome, handlerStarted === undefined ? undefined : (performance.now() - handlerStarted) / 1000, error);

    // The lease is renewed while the handler runs; a renewal that finds the run no longer ours (the
    // execution was cancelled, or another worker took over an expired lease) aborts the handler.
    const stop = new AbortController();
    const leaseCheckMs = this.opts.leaseCheckMs ?? Math.max(250, Math.min(Math.floor(this.opts.leaseMs / 3), 2000));
    const lease = setInterval(() => {
      store
        .renewLease(claimed.id, owner, this.opts.leaseMs)
        .then((held) => {
          if (!held && !stop.signal.aborted) stop.abort(new LeaseLostError());
        })
        .catch((e) => logger.warn(`lease renewal failed: ${e}`));
    }, leaseCheckMs);
    try {
      const outputsByStep = ancestorOutputs(document.definition, loaded.stepRuns, step.name);
      const context = this.templateContext(execution, document.name, outputsByStep);
      const { refs, resolved } = await this.resolveSecrets(execution, step);
      for (const s of resolved.values()) scrub.push(s.value);
      try {
        renderedConfig = this.renderConfig(step, context, refs, resolved);
      } catch (e) {
        throw new StepError(`config: ${(e as Error).message}`, 'TEMPLATE_ERROR', false);
      }
      scrub.push(...sensitiveValues(step.step_type, renderedConfig));
      const handlerConfig = checkRenderedConfig(step.step_type, renderedConfig);
      log(`attempt ${attempt}/${claimed.maxAttempts} on ${this.workerId}`);
      const credentials = refs.map((r) => ({ field: r.field, name: r.name, origin: resolved.get(r.name)!.origin }));
      const secret: StepRunContext['secret'] = async (name) => {
        const found = (await this.opts.secrets.resolve(execution.workspaceId, [name])).get(name);
        if (found) scrub.push(found.value);
        return found;
      };
      const saveProgress = async (progress: Record<string, unknown>) => {
        const text = scrubText(JSON.stringify(progress ?? {}), scrub);
        if (Buffer.byteLength(text) > MAX_PROGRESS_BYTES) throw new StepError(`step progress is larger than ${MAX_PROGRESS_BYTES} bytes`, 'PROGRESS_TOO_LARGE', false);
        if (!(await store.saveStepProgress(claimed.id, owner, toStorable(JSON.parse(text))))) {
          if (!stop.signal.aborted) stop.abort(new LeaseLostError());
          throw new LeaseLostError();
        }
      };
      const extras = { log, credentials, secret, progress: claimed.progress ?? {}, saveProgress };
      handlerStarted = performance.now();
      const result = await this.withTimeout(runtime.timeoutMs, stop.signal, (signal) =>
        handler.run(this.handlerContext(execution, document.name, outputsByStep, step, claimed, handlerConfig, runtime.timeoutMs, signal, extras)),
      );
      if (stop.signal.aborted) {
        finished('cancelled');
        return { kind: 'done', detail: `step "${step.name}" stopped: ${(stop.signal.reason as Error).message}` };
      }
      const stored = toStorable(redactConfig(step.step_type, renderedConfig, scrub));
      const outputs = toStorable(JSON.parse(scrubText(JSON.stringify(result.outputs ?? {}), scrub))) as Record<string, unknown>;
      if (result.status === 'waiting') {
        if (!result.waitingFor) throw new Error(`handler for ${step.step_type} returned waiting without waitingFor`);
        log(`waiting for ${result.waitingFor}`);
        const parked = await this.storeOutcome(claimed, owner, async () => ({
          recorded: await store.parkStepRun(claimed.id, owner, { outputs, renderedConfig: stored, logs: toStorable(logs), waitingFor: result.waitingFor! }),
          finished: false,
        }));
        if (parked === 'unstorable') return this.unstorable(execution.id, step.name, finished);
        if (parked.recorded) finished('waiting');
        this.opts.changes?.notify(changeOf(execution, 'waiting', { name: step.name, status: 'running' }));
        return { kind: 'done', detail: parked.recorded ? `step "${step.name}" waits for ${result.waitingFor}` : `lost the lease of step "${step.name}"` };
      }
      const plan = this.fastPlan(execution, document, loaded.stepRuns, step.name, { status: 'succeeded', outputs });
      const recorded = await this.storeOutcome(claimed, owner, () => store.completeAndAdvance(claimed.id, owner, { outputs, renderedConfig: stored, logs: toStorable(logs) }, plan, execution.createdAt));
      if (recorded === 'unstorable') return this.unstorable(execution.id, step.name, finished);
      if (!recorded.recorded) return { kind: 'done', detail: `lost the lease of step "${step.name}" before completing it` };
      finished('succeeded');
      await this.moveOn(execution, document, step.name, 'succeeded', plan, recorded.finished);
      return { kind: 'done', detail: `step "${step.name}" succeeded` };
    } catch (e) {
      if (stop.signal.aborted && stop.signal.reason instanceof LeaseLostError) {
        finished('cancelled');
        return { kind: 'done', detail: `step "${step.name}" stopped: ${stop.signal.reason.message}` };
      }
      const err = e instanceof Error ? e : new Error(String(e));
      const retryable = err instanceof StepError ? err.retryable : !isDataError(err);
      const willRetry = retryable && attempt < claimed.maxAttempts;
      const message = scrubText(err.message, scrub);
      const code = err instanceof StepError ? err.code : isDataError(err) ? 'RESULT_NOT_STORABLE' : 'STEP_ERROR';
      log(`${willRetry ? 'error (will retry)' : 'error'}: ${message}`);
      const failure = {
        error: message,
        errorCode: code,
        renderedConfig: renderedConfig === undefined ? undefined : toStorable(redactConfig(step.step_type, renderedConfig, scrub)),
        logs: toStorable(logs),
        willRetry,
      };
      const plan = willRetry ? undefined : this.fastPlan(execution, document, loaded.stepRuns, step.name, { status: 'failed', error: message });
      const recorded = await this.storeOutcome(claimed, owner, () => store.failAndAdvance(claimed.id, owner, toStorable(failure), plan, execution.createdAt));
      if (recorded === 'unstorable') return this.unstorable(execution.id, step.name, finished);
      if (!recorded.recorded) return { kind: 'done', detail: `lost the lease of step "${step.name}" before recording its failure` };
      finished(willRetry ? 'retried' : 'failed', message);
      if (willRetry) {
        this.opts.changes?.notify(changeOf(execution, 'running', { name: step.name, status: 'pending' }));
        return { kind: 'retry', error: new StepError(message, code, true, err instanceof StepError ? err.retryAfterMs : undefined) };
      }
      await this.moveOn(execution, document, step.name, 'failed', plan, recorded.finished);
      return { kind: 'failed', error: new Error(message) };
    } finally {
      clearInterval(lease);
      clearTimeout(runningNotice);
    }
  }

  /**
   * The plan after this step's outcome, decided from the states read at the claim, when that is safe:
   * only if no other step of the execution was running or could start while this one ran. Then nothing
   * but a cancel could have changed the other steps since (the store applies the plan only to pending
   * steps and to a live execution), so the outcome, the skips and the execution's end are recorded in
   * one statement. Otherwise (parallel branches, a parked step) undefined: the execution is advanced
   * from a fresh read after the outcome is recorded, as the ExecutionAdvancer always does.
   */
  private fastPlan(
    execution: RunnerExecution,
    document: PipelineDocument,
    runs: RunnerStepRun[],
    stepName: string,
    outcome: { status: 'succeeded'; outputs: Record<string, unknown> } | { status: 'failed'; error: string },
  ): FastPlan | undefined {
    if (runs.some((r) => r.stepName !== stepName && r.status === 'running')) return undefined;
    const states = statesOf(runs);
    const ctx = planContextOf(execution);
    states[stepName] = { status: 'running' };
    if (planExecutionDetailed(document.definition, states, ctx).runnable.some((n) => n !== stepName)) return undefined;
    states[stepName] = { status: outcome.status, outputs: outcome.status === 'succeeded' ? outcome.outputs : {} };
    const plan = planExecutionDetailed(document.definition, states, ctx);
    if (plan.awaiting.length) return undefined;
    const decided = decisionsOf(plan);
    if (!plan.finished) return { ...decided, next: plan.runnable.filter((n) => states[n]?.status === 'pending') };
    const error = finishError(plan, (name) => (name === stepName && outcome.status === 'failed' ? outcome.error : runs.find((r) => r.stepName === name)?.error));
    return { ...decided, next: [], finish: { status: plan.status, error } };
  }

  /** After an outcome is recorded: dispatch what the fast plan says runs next, or advance from a fresh read. */
  private async moveOn(execution: RunnerExecution, document: PipelineDocument, stepName: string, status: 'succeeded' | 'failed', plan: FastPlan | undefined, finished: boolean): Promise<void> {
    if (plan) return this.opts.advancer.planApplied(execution, document, { name: stepName, status }, plan, finished);
    this.opts.changes?.notify(changeOf(execution, 'running', { name: stepName, status }));
    await this.opts.advancer.advance(execution.id);
  }

  /**
   * Records an outcome. A value Postgres refuses would fail the same way on every retry (and a retry
   * would repeat the step's side effect): the step is failed for good with a plain message instead.
   */
  private async storeOutcome(run: RunnerStepRun, owner: string, write: () => Promise<OutcomeRecorded>): Promise<OutcomeRecorded | 'unstorable'> {
    try {
      return await write();
    } catch (e) {
      if (!isDataError(e)) throw e;
      this.opts.logger.error(`step run ${run.id}: its outcome cannot be stored: ${(e as Error).message}`);
      const { recorded } = await this.opts.store.failAndAdvance(run.id, owner, {
        error: 'the step ran, but its result could not be stored (the database refused a value); it is not retried, so its side effect is not repeated',
        errorCode: 'RESULT_NOT_STORABLE',
        logs: [],
        willRetry: false,
      });
      return recorded ? 'unstorable' : { recorded: false, finished: false };
    }
  }

  private async unstorable(executionId: string, stepName: string, finished: (outcome: StepAttemptOutcome) => void): Promise<RunOutcome> {
    finished('failed');
    await this.opts.advancer.advance(executionId);
    return { kind: 'failed', error: new Error(`step "${stepName}": its result could not be stored`) };
  }

  /**
   * The secrets the step's config names, checked against what the pipeline may use (the rule is also
   * enforced at save time; revisions saved before it, or a secret deleted since, fail here for good).
   */
  private async resolveSecrets(execution: RunnerExecution, step: StepDefinition): Promise<{ refs: SecretReference[]; resolved: Map<string, ResolvedSecret> }> {
    const key = `${execution.revisionId}\u0000${step.name}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = secretUsage(step.step_type, step.config ?? {}, this.renderer);
      this.plans.set(key, plan);
    }
    if (plan.problems.length) {
      throw new StepError(`secrets: ${plan.problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; ')}`, 'SECRET_USAGE', false);
    }
    if (plan.refs.length === 0) return { refs: [], resolved: new Map() };
    const owner = execution.workspaceId;
    const resolved = await this.opts.secrets.resolve(owner, plan.refs.map((r) => r.name));
    const own = new Set([...resolved].filter(([, v]) => v.origin === 'workspace').map(([n]) => n));
    const scope = this.opts.secrets.scope(owner, own);
    for (const ref of plan.refs) {
      const issue = checkSecretAccess(step.step_type, ref, scope);
      if (issue?.severity === 'error') throw new StepError(issue.message, issue.code, false);
      if (!resolved.has(ref.name)) {
        const where = owner === null ? 'configured for global pipelines' : `set in workspace ${owner} (or shared with it)`;
        throw new StepError(`secret ${ref.name} is not ${where}`, 'SECRET_NOT_SET', false);
      }
    }
    return { refs: plan.refs, resolved };
  }

  /**
   * Renders the config without any secret in the template context: each `{{ secrets.X }}` credential
   * field is swapped for a random placeholder before rendering and for the value afterwards, so no
   * template can see, filter or copy a secret.
   */
  private renderConfig(step: StepDefinition, context: TemplateContext, refs: SecretReference[], resolved: Map<string, ResolvedSecret>): unknown {
    const config = step.config ?? {};
    if (refs.length === 0) return this.renderer.renderConfig(config, context);
    const token = randomBytes(8).toString('hex');
    const placeholder = (i: number) => `__mockops_secret_${token}_${i}__`;
    const prepared = structuredClone(config) as unknown;
    refs.forEach((ref, i) => {
      const form = matchSecretForm(String(getAt(config, ref.fieldPath)))!;
      setAt(prepared, ref.fieldPath, form.form === 'whole' ? placeholder(i) : `${form.prefix}${placeholder(i)}${form.suffix}`);
    });
    const rendered = this.renderer.renderConfig(prepared, context);
    refs.forEach((ref, i) => {
      const value = resolved.get(ref.name)!.value;
      setAt(rendered, ref.fieldPath, ref.form === 'whole' ? value : String(getAt(rendered, ref.fieldPath)).split(placeholder(i)).join(encodeURIComponent(value)));
    });
    return rendered;
  }

  private templateContext(
    execution: RunnerExecution,
    pipelineName: string,
    steps: Record<string, { outputs: Record<string, unknown> }>,
  ): TemplateContext {
    const started = execution.startedAt ?? execution.queuedAt;
    return {
      event: execution.event.payload ?? {},
      envelope: execution.event,
      workspace_id: execution.workspaceId ?? execution.event.workspace_id ?? null,
      workspace_name: execution.event.workspace_name ?? null,
      timestamp: new Date(started ?? Date.now()).toISOString(),
      execution_id: execution.id,
      pipeline: { id: execution.pipelineId, name: pipelineName },
      steps,
    };
  }

  private handlerContext(
    execution: RunnerExecution,
    pipelineName: string,
    steps: Record<string, { outputs: Record<string, unknown> }>,
    step: StepDefinition,
    run: RunnerStepRun,
    config: unknown,
    timeoutMs: number,
    signal: AbortSignal,
    extras: Pick<StepRunContext, 'log' | 'credentials' | 'secret' | 'progress' | 'saveProgress'>,
  ): StepRunContext {
    const started = execution.startedAt ?? execution.queuedAt ?? new Date();
    return {
      config: config as Record<string, unknown>,
      execution: {
        id: execution.id,
        pipelineId: execution.pipelineId,
        pipelineName,
        revisionId: execution.revisionId,
        workspaceId: execution.workspaceId ?? execution.event.workspace_id ?? null,
        ownerWorkspaceId: execution.workspaceId,
        startedAt: new Date(started).toISOString(),
      },
      event: execution.event,
      step: {
        name: step.name,
        attempt: run.attempts,
        timeoutMs,
        // Stable across retries of this step run; a re-run of the execution is a new delivery.
        idempotencyKey: (execution.runAttempt ?? 1) > 1 ? `${execution.id}:${step.name}:r${execution.runAttempt}` : `${execution.id}:${step.name}`,
      },
      steps,
      signal,
      ...extras,
    };
  }

  /**
   * Runs `fn` with a signal aborted by the step timeout, by `stop` (cancel, lost lease) and by a hard
   * shutdown; the returned promise settles as soon as any of them fires, even if the handler ignores
   * its signal.
   */
  private async withTimeout<T>(timeoutMs: number, stop: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        const reason = stop.aborted ? stop.reason : this.shutdown.signal.reason;
        controller.abort(reason);
        reject(reason instanceof Error ? reason : new Error(String(reason)));
      };
      stop.addEventListener('abort', onAbort, { once: true });
      this.shutdown.signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => {
        const err = new StepError(`step timed out after ${Math.round(timeoutMs / 1000)}s`, 'STEP_TIMEOUT', true);
        controller.abort(err);
        reject(err);
      }, timeoutMs);
      if (stop.aborted || this.shutdown.signal.aborted) onAbort();
    });
    try {
      return await Promise.race([fn(controller.signal), aborted]);
    } finally {
      clearTimeout(timer);
      stop.removeEventListener('abort', onAbort!);
      this.shutdown.signal.removeEventListener('abort', onAbort!);
    }
  }
}

/**
 * The rendered config checked against the step type's schema (the same one the save-time check uses,
 * now with rendered values: "5" is coerced to 5, "a, b" to a list). A config that does not fit fails
 * the step for good (CONFIG_INVALID); the handler gets the coerced value and only normalizes it.
 */
function checkRenderedConfig(stepType: string, rendered: unknown): Record<string, unknown> {
  const definition = stepTypeDefinition(stepType);
  if (!definition) throw new StepError(`unknown step type ${stepType}`, 'CONFIG_INVALID', false);
  const checked = definition.check(rendered, [], { rendered: true });
  if (checked.issues.length) {
    const problems = checked.issues.map((i) => `${formatPath(i.path) || 'config'}: ${i.message}`).join('; ');
    throw new StepError(`invalid ${stepType} config: ${problems}`, 'CONFIG_INVALID', false);
  }
  return checked.value;
}

function getAt(root: unknown, path: PathSegment[]): unknown {
  let v: unknown = root;
  for (const seg of path) v = (v as Record<string | number, unknown> | undefined)?.[seg];
  return v;
}

function setAt(root: unknown, path: PathSegment[], value: unknown): void {
  let v = root as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) v = v[seg] as Record<string | number, unknown>;
  v[path[path.length - 1]] = value;
}
