import type { Queue } from 'bullmq';
import type { LogSink } from '@mockops/pipeline-core';
import type { ExecutionAdvancer } from './execution-advancer';
import { queueNameFor, stepJobId, type StepJobData } from './queues';

/** The part of the store the reconciler uses. */
export interface ReconcilerStore {
  findAbandonedStepRuns(
    stepTypes: readonly string[],
    graceMs: number,
    limit?: number,
  ): Promise<{ id: string; executionId: string; stepName: string; stepIndex: number; stepType: string; attempts: number; maxAttempts: number; runAttempt: number }[]>;
  settleAbandonedStepRun(stepRunId: string, outcome: { retry: boolean; error: string; errorCode: string }): Promise<boolean>;
}

/** Job states in which BullMQ will still hand the job to a worker. */
const LIVE_JOB_STATES = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

/**
 * No step stays `running` past its lease and its retries. A run whose lease expired long ago and
 * whose job BullMQ no longer holds (the worker died on its last attempt, a stalled job was failed,
 * recording the outcome kept failing) is put back to pending and queued again while it has attempts
 * left, else failed for good; then the execution moves on. Every transition is a compare-and-set, so
 * several workers sweeping at once, or a worker that is merely slow, change nothing twice.
 */
export class StepReconciler {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;

  constructor(
    private readonly opts: {
      store: ReconcilerStore;
      advancer: Pick<ExecutionAdvancer, 'advance'>;
      queueFor: (queueName: string) => Queue<StepJobData>;
      stepTypes: readonly string[];
      /** How long after its lease expired a run counts as abandoned. */
      graceMs: number;
      intervalMs: number;
      logger: LogSink;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep().catch((e) => this.opts.logger.error(`step reconciler: ${(e as Error).message}`)), this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
  }

  /** One pass; returns how many runs it settled. */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<number> {
    const { store, advancer, queueFor, stepTypes, graceMs, logger } = this.opts;
    let settled = 0;
    for (const run of await store.findAbandonedStepRuns(stepTypes, graceMs)) {
      const queue = queueFor(queueNameFor(run.stepType));
      const job = await queue.getJob(stepJobId(run.executionId, run.stepIndex, run.runAttempt));
      const state = job ? await job.getState() : 'missing';
      if (LIVE_JOB_STATES.has(state)) continue;
      const retry = run.attempts < run.maxAttempts;
      const error = `the worker running this step stopped (job ${state}) after attempt ${run.attempts}/${run.maxAttempts}`;
      if (!(await store.settleAbandonedStepRun(run.id, { retry, error, errorCode: 'STEP_ABANDONED' }))) continue;
      settled++;
      logger.warn(`step "${run.stepName}" of execution ${run.executionId}: ${error}; ${retry ? 'queued again' : 'failed'}`);
      // The finished job keeps its id in BullMQ; remove it so the advance can queue the step again.
      if (retry && job) await job.remove().catch(() => undefined);
      await advancer.advance(run.executionId);
    }
    return settled;
  }
}
