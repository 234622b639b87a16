import { DelayedError, UnrecoverableError, type AdvancedOptions, type Job } from 'bullmq';
import type { StepRunner } from './step-runner';
import { STEP_BACKOFF_TYPE, type StepJobData } from './queues';
import { stepBackoffStrategy } from './retry';

/**
 * Translates a StepRunner outcome into BullMQ's vocabulary: a retry is a thrown error (BullMQ applies
 * the backoff), a final failure is UnrecoverableError, and a step held by another live worker goes back
 * to the delayed set without using an attempt.
 */
export function processStepJob(runner: StepRunner, job: Job<StepJobData>, token?: string): Promise<string> {
  const { executionId, stepName, traceparent } = job.data;
  return runner.observer.job({ stepType: job.name, executionId, stepName, traceparent }, () => settleJob(runner, job, token));
}

async function settleJob(runner: StepRunner, job: Job<StepJobData>, token?: string): Promise<string> {
  const outcome = await runner.run(job.data, job.id ?? 'job');
  switch (outcome.kind) {
    case 'done':
      return outcome.detail;
    case 'retry':
      throw outcome.error;
    case 'failed':
      throw new UnrecoverableError(outcome.error.message);
    case 'busy':
      await job.moveToDelayed(Date.now() + outcome.delayMs, token);
      throw new DelayedError();
  }
}

export const STEP_WORKER_SETTINGS: AdvancedOptions = {
  backoffStrategy: (attemptsMade, type, err, job) =>
    type === STEP_BACKOFF_TYPE ? stepBackoffStrategy(attemptsMade, type, err, job) : 1000,
};
