import type { EventEnvelope, ExecutionStatus, PipelineDocument, StepRunStatus } from '@mockops/pipeline-core';

/**
 * The part of the execution store the runtime uses. The Postgres ExecutionStore implements it; keeping
 * the runtime on this narrow interface documents exactly which state transitions it relies on.
 */
export interface RunnerExecution {
  id: string;
  pipelineId: string;
  revisionId: string;
  workspaceId: string | null;
  eventId: string;
  event: EventEnvelope;
  status: ExecutionStatus;
  runAttempt?: number;
  /** W3C trace context the execution was created in (its steps' spans are its children), if traced. */
  traceparent?: string | null;
  queuedAt: Date | string;
  startedAt: Date | string | null;
}

export interface RunnerStepRun {
  id: string;
  stepName: string;
  stepIndex: number;
  status: StepRunStatus;
  attempts: number;
  maxAttempts: number;
  outputs: Record<string, unknown> | null;
  error: string | null;
  /** `parked:<what>` while the step waits for something outside the workers. */
  leaseOwner?: string | null;
}

export interface StepLogLine {
  at: string;
  attempt: number;
  message: string;
}

export interface RunnerStore {
  getExecution(id: string): Promise<(RunnerExecution & { stepRuns: RunnerStepRun[] }) | null>;
  getRevision(id: string): Promise<{ id: string; document: PipelineDocument } | null>;
  claimStepRun(executionId: string, stepName: string, opts: { owner: string; leaseMs: number }): Promise<RunnerStepRun | null>;
  renewLease(stepRunId: string, owner: string, leaseMs: number): Promise<boolean>;
  completeStepRun(
    stepRunId: string,
    owner: string,
    result: { outputs: Record<string, unknown>; renderedConfig: unknown; logs: StepLogLine[] },
  ): Promise<boolean>;
  failStepRun(
    stepRunId: string,
    owner: string,
    result: { error: string; errorCode: string; renderedConfig?: unknown; logs: StepLogLine[]; willRetry: boolean },
  ): Promise<boolean>;
  parkStepRun(
    stepRunId: string,
    owner: string,
    park: { outputs: Record<string, unknown>; renderedConfig: unknown; logs: StepLogLine[]; waitingFor: string },
  ): Promise<boolean>;
  skipStepRuns(executionId: string, stepNames: string[]): Promise<void>;
  finishExecution(executionId: string, status: ExecutionStatus, error?: string | null): Promise<boolean>;
}
