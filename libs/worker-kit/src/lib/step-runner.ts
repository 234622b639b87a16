import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  TemplateRenderer,
  resolveStepRuntime,
  type StepDefinition,
  type TemplateContext,
} from '@mockops/pipeline-core';
import type { StepHandler, StepRunContext } from './step-handler';
import { StepError } from './step-errors';
import type { RunnerExecution, RunnerStepRun, RunnerStore, StepLogLine } from './runner-store';
import type { ExecutionAdvancer } from './execution-advancer';
import type { RevisionCache } from './revision-cache';
import type { StepJobData } from './queues';
import { redactConfig, scrubText, sensitiveValues } from './redaction';
import type { ExecutionChangeSink } from '@mockops/event-stream';
import { changeOf } from './change-notices';

export interface RunnerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface StepRunnerOptions {
  store: RunnerStore;
  revisions: RevisionCache;
  advancer: ExecutionAdvancer;
  handlers: StepHandler<any>[];
  /** Values for `{{secrets.NAME}}` and ctx.secret(). */
  secrets: Record<string, string>;
  leaseMs: number;
  logger: RunnerLogger;
  renderer?: TemplateRenderer;
  workerId?: string;
  /** Told when a step starts and ends (live views); optional, fire-and-forget. */
  changes?: ExecutionChangeSink;
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

/** Fails boot when a step type has no handler or two (ENGINEERING: fail fast). */
export function indexHandlers(handlers: StepHandler<any>[], required: readonly string[] = []): Map<string, StepHandler<any>> {
  const byType = new Map<string, StepHandler<any>>();
  for (const h of handlers) {
    if (byType.has(h.stepType)) throw new Error(`two handlers registered for step type "${h.stepType}"`);
    byType.set(h.stepType, h);
  }
  for (const type of required) {
    if (!byType.has(type)) throw new Error(`no handler registered for step type "${type}"`);
  }
  return byType;
}

/**
 * The worker base: claims the step run (compare-and-set with a lease), renders its config with
 * pipeline-core, runs the handler under the step's timeout while renewing the lease, records the
 * outcome, and advances the execution. A step type's worker is its handler plus this.
 */
export class StepRunner {
  private readonly handlers: Map<string, StepHandler<any>>;
  private readonly renderer: TemplateRenderer;
  private readonly workerId: string;
  private readonly secretValues: string[];
  private readonly shutdown = new AbortController();
  private inFlight = 0;
  private idle?: () => void;

  constructor(private readonly opts: StepRunnerOptions) {
    this.handlers = indexHandlers(opts.handlers);
    this.renderer = opts.renderer ?? new TemplateRenderer();
    this.workerId = opts.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.secretValues = Object.values(opts.secrets).filter((v) => v.length >= 4);
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
    const execution = await store.getExecution(data.executionId);
    if (!execution) return { kind: 'done', detail: `execution ${data.executionId} no longer exists` };
    const current = execution.stepRuns.find((r) => r.stepName === data.stepName);
    if (!current) return { kind: 'done', detail: `execution ${execution.id} has no step "${data.stepName}"` };
    const document = await revisions.get(execution.revisionId);
    const step = document.definition.steps.find((s) => s.name === data.stepName);
    if (!step) return { kind: 'done', detail: `revision ${execution.revisionId} has no step "${data.stepName}"` };
    const handler = this.handlers.get(step.step_type);
    if (!handler) throw new Error(`this worker has no handler for step type "${step.step_type}"`);

    const owner = `${this.workerId}:${jobId}`;
    const runtime = resolveStepRuntime(step);
    const claimed = await store.claimStepRun(execution.id, step.name, { owner, leaseMs: this.opts.leaseMs });
    if (!claimed) {
      if (current.status === 'running' && current.leaseOwner?.startsWith('parked:')) {
        return { kind: 'done', detail: `step "${step.name}" is waiting (${current.leaseOwner.slice(7)})` };
      }
      if (current.status === 'running') return { kind: 'busy', delayMs: Math.max(1000, Math.round(this.opts.leaseMs / 2)) };
      // Already decided (a duplicate delivery, or a crash after recording the outcome): make sure the
      // execution moved on, which is idempotent.
      if (['succeeded', 'failed', 'skipped'].includes(current.status)) await advancer.advance(execution.id);
      return { kind: 'done', detail: `step "${step.name}" is ${current.status}; nothing to run` };
    }

    this.opts.changes?.notify(changeOf(execution, 'running', { name: step.name, status: 'running' }));
    const logs: StepLogLine[] = [];
    const attempt = claimed.attempts;
    let renderedConfig: unknown;
    let scrub = this.secretValues;
    const log = (message: string) => logs.push({ at: new Date().toISOString(), attempt, message: scrubText(message, scrub) });

    const lease = setInterval(() => {
      store.renewLease(claimed.id, owner, this.opts.leaseMs).catch((e) => logger.warn(`lease renewal failed: ${e}`));
    }, Math.max(250, Math.floor(this.opts.leaseMs / 3)));
    try {
      const outputsByStep: Record<string, { outputs: Record<string, unknown> }> = {};
      for (const r of execution.stepRuns) if (r.status === 'succeeded') outputsByStep[r.stepName] = { outputs: r.outputs ?? {} };
      const context = this.templateContext(execution, document.name, outputsByStep);
      try {
        renderedConfig = this.renderer.renderConfig(step.config ?? {}, context);
      } catch (e) {
        throw new StepError(`config: ${(e as Error).message}`, 'TEMPLATE_ERROR', false);
      }
      scrub = [...this.secretValues, ...sensitiveValues(renderedConfig)];
      log(`attempt ${attempt}/${claimed.maxAttempts} on ${this.workerId}`);
      const result = await this.withTimeout(runtime.timeoutMs, (signal) =>
        handler.run(this.handlerContext(execution, document.name, outputsByStep, step, claimed, renderedConfig, runtime.timeoutMs, log, signal)),
      );
      const stored = redactConfig(renderedConfig, scrub);
      const outputs = JSON.parse(scrubText(JSON.stringify(result.outputs ?? {}), scrub)) as Record<string, unknown>;
      if (result.status === 'waiting') {
        if (!result.waitingFor) throw new Error(`handler for ${step.step_type} returned waiting without waitingFor`);
        log(`waiting for ${result.waitingFor}`);
        const parked = await store.parkStepRun(claimed.id, owner, { outputs, renderedConfig: stored, logs, waitingFor: result.waitingFor });
        this.opts.changes?.notify(changeOf(execution, 'waiting', { name: step.name, status: 'running' }));
        return { kind: 'done', detail: parked ? `step "${step.name}" waits for ${result.waitingFor}` : `lost the lease of step "${step.name}"` };
      }
      const ok = await store.completeStepRun(claimed.id, owner, { outputs, renderedConfig: stored, logs });
      if (!ok) return { kind: 'done', detail: `lost the lease of step "${step.name}" before completing it` };
      this.opts.changes?.notify(changeOf(execution, 'running', { name: step.name, status: 'succeeded' }));
      await advancer.advance(execution.id);
      return { kind: 'done', detail: `step "${step.name}" succeeded` };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const retryable = err instanceof StepError ? err.retryable : true;
      const willRetry = retryable && attempt < claimed.maxAttempts;
      const message = scrubText(err.message, scrub);
      log(`${willRetry ? 'error (will retry)' : 'error'}: ${message}`);
      const ok = await store.failStepRun(claimed.id, owner, {
        error: message,
        errorCode: err instanceof StepError ? err.code : 'STEP_ERROR',
        renderedConfig: renderedConfig === undefined ? undefined : redactConfig(renderedConfig, scrub),
        logs,
        willRetry,
      });
      if (!ok) return { kind: 'done', detail: `lost the lease of step "${step.name}" before recording its failure` };
      this.opts.changes?.notify(changeOf(execution, 'running', { name: step.name, status: willRetry ? 'pending' : 'failed' }));
      if (willRetry) {
        const retryErr = new StepError(message, err instanceof StepError ? err.code : 'STEP_ERROR', true, err instanceof StepError ? err.retryAfterMs : undefined);
        return { kind: 'retry', error: retryErr };
      }
      await advancer.advance(execution.id);
      return { kind: 'failed', error: new Error(message) };
    } finally {
      clearInterval(lease);
    }
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
      secrets: this.opts.secrets,
    } as TemplateContext;
  }

  private handlerContext(
    execution: RunnerExecution,
    pipelineName: string,
    steps: Record<string, { outputs: Record<string, unknown> }>,
    step: StepDefinition,
    run: RunnerStepRun,
    config: unknown,
    timeoutMs: number,
    log: (m: string) => void,
    signal: AbortSignal,
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
      secret: (name) => this.opts.secrets[name],
      log,
      signal,
    };
  }

  private async withTimeout<T>(timeoutMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const onShutdown = () => controller.abort(this.shutdown.signal.reason);
    this.shutdown.signal.addEventListener('abort', onShutdown, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new StepError(`step timed out after ${Math.round(timeoutMs / 1000)}s`, 'STEP_TIMEOUT', true);
        controller.abort(err);
        reject(err);
      }, timeoutMs);
    });
    try {
      return await Promise.race([fn(controller.signal), timeout]);
    } finally {
      clearTimeout(timer);
      this.shutdown.signal.removeEventListener('abort', onShutdown);
    }
  }
}
