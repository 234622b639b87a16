import type { StepType } from '@mockops/pipeline-core';

/** One BullMQ queue per step type, so each step type's workers scale on their own. */
export function queueNameFor(stepType: StepType | string): string {
  return `step-${stepType.replace(/_/g, '-')}`;
}

/** A job carries ids only; the worker reads everything else from Postgres. */
export interface StepJobData {
  executionId: string;
  stepName: string;
  /** W3C trace context of the execution, so the step's span joins the event's trace (optional). */
  traceparent?: string;
  /** The execution's createdAt (its month partition): the claim reads that partition only (optional). */
  createdAt?: string;
}

/**
 * Deterministic job id (execution + run attempt + step position): enqueueing the same step twice — a
 * redelivered event, a repeated advance — is dropped by BullMQ while the first job is kept, and a
 * re-run of the execution gets fresh ids. BullMQ reserves `:`.
 */
export function stepJobId(executionId: string, stepIndex: number, runAttempt = 1): string {
  return `${executionId}-r${runAttempt}-s${stepIndex}`;
}

/** Name of the backoff strategy registered on every step worker (see retry.ts). */
export const STEP_BACKOFF_TYPE = 'mockops';
