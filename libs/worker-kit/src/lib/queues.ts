import type { StepType } from '@mockops/pipeline-core';

/** One BullMQ queue per step type, so each step type's workers scale on their own. */
export function queueNameFor(stepType: StepType | string): string {
  return `step-${stepType.replace(/_/g, '-')}`;
}

/** A job carries ids only; the worker reads everything else from Postgres. */
export interface StepJobData {
  executionId: string;
  stepName: string;
}

/**
 * Deterministic job id (execution + step position): enqueueing the same step twice — a redelivered
 * event, a retried advance — is dropped by BullMQ while the first job is kept. BullMQ reserves `:`.
 */
export function stepJobId(executionId: string, stepIndex: number): string {
  return `${executionId}-s${stepIndex}`;
}

/** Name of the backoff strategy registered on every step worker (see retry.ts). */
export const STEP_BACKOFF_TYPE = 'mockops';
