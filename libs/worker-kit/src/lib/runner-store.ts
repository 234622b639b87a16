import type { EventEnvelope, ExecutionStatus, PipelineDocument, StepRunStatus } from '@mockops/pipeline-core';

/**
 * The part of the execution store the runtime uses. The Postgres store (@mockops/execution-store's openStore) implements it; keeping
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
  /** When it was created: its month partition (jobs carry it so claims and completions read one partition). */
  createdAt?: string;
  startedAt: Date | string | null;
  /** Its concurrency group's key (null: none); it starts only once the group admitted its current run attempt. */
  concurrencyKey?: string | null;
  concurrencyAdmitted?: number | null;
}

export interface RunnerStepRun {
  id: string;
  stepName: string;
  stepIndex: number;
  status: StepRunStatus;
  attempts: number;
  maxAttempts: number;
  outputs: Record<string, unknown> | null;
  /** What earlier attempts recorded as done (saveStepProgress). */
  progress?: Record<string, unknown> | null;
  error: string | null;
  /** `parked:<what>` while the step waits for something outside the workers. */
  leaseOwner?: string | null;
}

export interface StepLogLine {
  at: string;
  attempt: number;
  message: string;
}

/**
 * What the worker decided the execution does after a step's outcome, recorded in the same statement as
 * the outcome: the pending steps to skip and, when the execution ends, its final status.
 */
export interface StepAdvance {
  skip: string[];
  /** Why each skipped step is skipped (pipeline-core's SkipReason), stored with it. */
  skipReasons?: Record<string, unknown>;
  /** Pending steps to fail without running (their `if:` could not be evaluated): step name -> error. */
  fail?: Record<string, string>;
  finish?: { status: ExecutionStatus; error: string | null };
}

type StepOutcomeRecorded = Promise<{ recorded: boolean; finished: boolean }>;

export interface RunnerStore {
  getExecution(id: string): Promise<(RunnerExecution & { stepRuns: RunnerStepRun[] }) | null>;
  getRevision(id: string): Promise<{ id: string; document: PipelineDocument } | null>;
  /** Claims the step run (compare-and-set, with a lease) and reads the execution and its step runs, in one round trip. */
  claimAndLoad(
    executionId: string,
    stepName: string,
    opts: { owner: string; leaseMs: number; createdAt?: string | null },
  ): Promise<{ execution: RunnerExecution | null; stepRuns: RunnerStepRun[]; claimed: RunnerStepRun | null }>;
  renewLease(stepRunId: string, owner: string, leaseMs: number): Promise<boolean>;
  saveStepProgress(stepRunId: string, owner: string, progress: Record<string, unknown>): Promise<boolean>;
  completeAndAdvance(
    stepRunId: string,
    owner: string,
    result: { outputs: Record<string, unknown>; renderedConfig: unknown; logs: StepLogLine[] },
    advance?: StepAdvance,
    executionCreatedAt?: string | null,
  ): StepOutcomeRecorded;
  failAndAdvance(
    stepRunId: string,
    owner: string,
    result: { error: string; errorCode: string; renderedConfig?: unknown; logs: StepLogLine[]; willRetry: boolean },
    advance?: StepAdvance,
    executionCreatedAt?: string | null,
  ): StepOutcomeRecorded;
  parkStepRun(
    stepRunId: string,
    owner: string,
    park: { outputs: Record<string, unknown>; renderedConfig: unknown; logs: StepLogLine[]; waitingFor: string },
  ): Promise<boolean>;
  /** Skips (with reasons) and fails (undecidable conditions) pending step runs; compare-and-set on pending. */
  applyStepDecisions(executionId: string, decisions: Omit<StepAdvance, 'finish'>): Promise<void>;
  finishExecution(executionId: string, status: ExecutionStatus, error?: string | null): Promise<boolean>;
}
