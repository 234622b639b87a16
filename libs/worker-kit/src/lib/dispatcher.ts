import type { JobsOptions, Queue } from 'bullmq';
import { resolveStepRuntime, type StepDefinition } from '@mockops/pipeline-core';
import { STEP_BACKOFF_TYPE, queueNameFor, stepJobId, type StepJobData } from './queues';

export interface DispatchItem {
  executionId: string;
  stepIndex: number;
  step: StepDefinition;
  /** The execution's run attempt (1 unless re-run). */
  runAttempt?: number;
  /** The execution's trace context, carried in the job data. */
  traceparent?: string | null;
  /** The execution's createdAt, carried in the job data (its month partition). */
  createdAt?: string | null;
}

/** Finds (or opens) the BullMQ queue of a step type. */
export type QueueResolver = (queueName: string) => Queue<StepJobData>;

/**
 * Enqueues step jobs: ids only in the payload, deterministic job ids, the step's retry policy as
 * BullMQ attempts + backoff. Jobs of one call are added with one addBulk per queue.
 */
export class StepDispatcher {
  constructor(private readonly queueFor: QueueResolver) {}

  async dispatch(items: DispatchItem[]): Promise<void> {
    const byQueue = new Map<string, { name: string; data: StepJobData; opts: JobsOptions }[]>();
    for (const item of items) {
      const runtime = resolveStepRuntime(item.step);
      const queueName = queueNameFor(item.step.step_type);
      const list = byQueue.get(queueName) ?? [];
      list.push({
        name: item.step.step_type,
        data: {
          executionId: item.executionId,
          stepName: item.step.name,
          ...(item.traceparent ? { traceparent: item.traceparent } : {}),
          ...(item.createdAt ? { createdAt: item.createdAt } : {}),
        },
        opts: {
          jobId: stepJobId(item.executionId, item.stepIndex, item.runAttempt ?? 1),
          attempts: runtime.maxAttempts,
          backoff: { type: STEP_BACKOFF_TYPE, delay: runtime.backoffMs },
          removeOnComplete: { age: 24 * 3600, count: 10_000 },
          removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
        },
      });
      byQueue.set(queueName, list);
    }
    await Promise.all([...byQueue].map(([queueName, jobs]) => this.queueFor(queueName).addBulk(jobs)));
  }
}
