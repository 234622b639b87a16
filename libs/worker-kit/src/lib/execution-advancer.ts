import { isTerminalExecutionStatus, planExecutionDetailed, type ExecutionStatus, type PipelineDocument, type StepRunStatus } from '@mockops/pipeline-core';
import { changeOf, type ExecutionChangeSink } from '@mockops/event-stream';
import type { ConcurrencyGroups, GroupJoin } from './concurrency-groups';
import type { StepDispatcher } from './dispatcher';
import type { RunnerExecution, RunnerStore } from './runner-store';
import type { RevisionCache } from './revision-cache';
import type { ExecutionObserver } from './step-observer';
import { decisionsOf, finishError, hasDecisions, planContextOf, statesOf } from './execution-plan';

export interface AdvanceOutcome {
  finished: boolean;
  status: string;
  dispatched: string[];
  skipped: string[];
}

/**
 * Moves an execution forward from what Postgres says: asks pipeline-core's planner which steps run
 * next, skips what it says to skip, enqueues the runnable steps (deterministic job ids make a repeated
 * advance harmless) or finishes the execution. Called after every step outcome, by the matcher for new
 * executions and again for redelivered events; it holds no state of its own.
 */
export class ExecutionAdvancer {
  private concurrency?: ConcurrencyGroups;

  constructor(
    private readonly store: RunnerStore,
    private readonly revisions: RevisionCache,
    private readonly dispatcher: StepDispatcher,
    private readonly changes?: ExecutionChangeSink,
    private readonly observer?: ExecutionObserver,
  ) {}

  /** Concurrency groups (docs/language.md): executions in a group start when it admits them; an ending one releases it. */
  useConcurrency(groups: ConcurrencyGroups): void {
    this.concurrency = groups;
    groups.attach(this);
  }

  /** The matcher: a new execution of a pipeline with `concurrency:` joins its group (which starts it, or queues it). */
  async admit(executionId: string, document: PipelineDocument, group: GroupJoin): Promise<void> {
    if (!this.concurrency) throw new Error('concurrency groups are not configured in this process');
    await this.concurrency.admit(executionId, document, group);
  }

  async advance(executionId: string): Promise<AdvanceOutcome> {
    const execution = await this.store.getExecution(executionId);
    if (!execution) throw new Error(`execution ${executionId} not found`);
    const document = await this.revisions.get(execution.revisionId);
    if (isTerminalExecutionStatus(execution.status)) {
      if (execution.concurrencyKey) await this.concurrency?.released(executionId);
      return { finished: true, status: execution.status, dispatched: [], skipped: [] };
    }
    // Waiting for its concurrency group (or a re-run that has not joined it yet): the group starts it.
    if (this.concurrency && execution.concurrencyKey && execution.concurrencyAdmitted !== (execution.runAttempt ?? 1)) {
      await this.concurrency.admit(executionId, document);
      return { finished: false, status: 'queued', dispatched: [], skipped: [] };
    }
    const states = statesOf(execution.stepRuns);
    const plan = planExecutionDetailed(document.definition, states, planContextOf(execution));

    const decisions = decisionsOf(plan);
    if (hasDecisions(decisions)) await this.store.applyStepDecisions(executionId, decisions);
    if (plan.finished) {
      const error = finishError(plan, (name) => execution.stepRuns.find((r) => r.stepName === name)?.error);
      const finished = await this.store.finishExecution(executionId, plan.status, error);
      if (finished) this.observer?.executionFinished(plan.status);
      this.changes?.notify(changeOf(execution, plan.status));
      if (execution.concurrencyKey) await this.concurrency?.released(executionId);
      return { finished: true, status: plan.status, dispatched: [], skipped: plan.toSkip };
    }
    // Several runnable steps are parallel branches: each its own job. A join reached by two advances at
    // once is enqueued twice under one deterministic job id (BullMQ keeps the first), and its claim is a
    // compare-and-set: it runs once.
    const toDispatch = plan.runnable.filter((name) => states[name]?.status === 'pending');
    if (toDispatch.length) {
      await this.dispatchMany([{ executionId, document, stepNames: toDispatch, runAttempt: execution.runAttempt ?? 1, traceparent: execution.traceparent, createdAt: execution.createdAt }]);
    }
    this.changes?.notify(changeOf(execution, plan.status));
    return { finished: false, status: plan.status, dispatched: toDispatch, skipped: plan.toSkip };
  }

  /**
   * The steps to enqueue when an execution is created (the matcher's batch), or null when its plan
   * decides more than that (a step whose `if:` is false from the start): then advance() it, which
   * records the skips with their reasons and enqueues what runs.
   */
  startingSteps(document: PipelineDocument, execution: Pick<RunnerExecution, 'event' | 'workspaceId' | 'status'>): string[] | null {
    const plan = planExecutionDetailed(document.definition, {}, planContextOf(execution));
    return hasDecisions(decisionsOf(plan)) || plan.finished ? null : plan.runnable;
  }

  /**
   * After a worker recorded a step's outcome together with the plan it decided from its own read
   * (StepRunner's fast path): enqueue the steps that plan runs next, and tell live views and the
   * observer, as advance() would have.
   */
  async planApplied(
    execution: RunnerExecution,
    document: PipelineDocument,
    step: { name: string; status: StepRunStatus },
    plan: { next: string[]; finish?: { status: ExecutionStatus } },
    finished: boolean,
  ): Promise<void> {
    if (plan.next.length) {
      await this.dispatchMany([
        { executionId: execution.id, document, stepNames: plan.next, runAttempt: execution.runAttempt ?? 1, traceparent: execution.traceparent, createdAt: execution.createdAt },
      ]);
    }
    if (finished && plan.finish) this.observer?.executionFinished(plan.finish.status);
    this.changes?.notify(changeOf(execution, finished && plan.finish ? plan.finish.status : 'running', step));
    if (finished && execution.concurrencyKey) await this.concurrency?.released(execution.id);
  }

  async dispatchSteps(executionId: string, document: PipelineDocument, stepNames: string[], runAttempt = 1): Promise<void> {
    await this.dispatchMany([{ executionId, document, stepNames, runAttempt }]);
  }

  /** Enqueues the given steps of many executions at once (one addBulk per queue: the matcher's batch). */
  async dispatchMany(
    list: { executionId: string; document: PipelineDocument; stepNames: string[]; runAttempt?: number; traceparent?: string | null; createdAt?: string | null }[],
  ): Promise<void> {
    const items = list.flatMap(({ executionId, document, stepNames, runAttempt, traceparent, createdAt }) => {
      const steps = document.definition.steps;
      return stepNames.map((name) => {
        const stepIndex = steps.findIndex((s) => s.name === name);
        return { executionId, stepIndex, step: steps[stepIndex], runAttempt: runAttempt ?? 1, traceparent, createdAt };
      });
    });
    if (items.length) await this.dispatcher.dispatch(items);
  }
}
