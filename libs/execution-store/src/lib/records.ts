import type { EventEnvelope, ExecutionStatus, IndexedPipeline, PipelineDocument, StepRunStatus } from '@mockops/pipeline-core';

// Records are plain objects with camelCase fields. Timestamps are ISO-8601 strings (UTC, millisecond
// precision) so that records serialize to JSON, queues and logs unchanged.

export type SourceFormat = 'yaml' | 'json';

export interface RevisionRecord {
  id: string;
  pipelineId: string;
  revision: number;
  document: PipelineDocument;
  sourceText: string;
  sourceFormat: SourceFormat;
  createdAt: string;
}

export interface PipelineRecord {
  id: string;
  name: string;
  workspaceId: string | null;
  enabled: boolean;
  currentRevisionId: string;
  currentRevision: number;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

/** A pipeline together with its current revision. */
export interface PipelineWithRevision extends PipelineRecord {
  revision: RevisionRecord;
}

/** What the trigger matcher indexes: the current revision of an enabled, live pipeline. */
export type IndexedPipelineRecord = IndexedPipeline;

export interface StepLogEntry {
  at: string;
  attempt: number;
  message: string;
}

export interface ExecutionRecord {
  id: string;
  pipelineId: string;
  revisionId: string;
  workspaceId: string | null;
  eventId: string;
  eventType: string;
  event: EventEnvelope;
  status: ExecutionStatus;
  /** 1 for the first run; each re-run adds one. */
  runAttempt: number;
  /** The trace the execution belongs to (the event's), and the W3C context its steps continue; null untraced. */
  traceId: string | null;
  traceparent: string | null;
  error: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /**
   * When it was created (fixed; a re-run moves queuedAt): the month partition of the execution and its
   * step runs. Jobs carry it so a claim or a completion reads one partition (step-run.store.ts).
   */
  createdAt?: string;
  /** Its concurrency group's scoped key (null: no group); the runtime gates its start on it. */
  concurrencyKey?: string | null;
  /** The group as rendered from the event. */
  concurrencyGroup?: string | null;
  /** The run attempt the group let start (equal to runAttempt once it holds the group). */
  concurrencyAdmitted?: number | null;
}

export interface StepRunRecord {
  id: string;
  executionId: string;
  stepIndex: number;
  stepName: string;
  stepType: string;
  status: StepRunStatus;
  attempts: number;
  maxAttempts: number;
  /** As rendered for the last attempt, secrets already redacted by the caller. */
  renderedConfig: unknown;
  outputs: Record<string, unknown> | null;
  /** What the step recorded as done across its attempts (StepRunContext.saveProgress); null before any. */
  progress: Record<string, unknown> | null;
  logs: StepLogEntry[];
  /** Why the step was skipped (pipeline-core's SkipReason: `code`, `message`, ...); null unless skipped. */
  skipReason: { code: string; message: string; [k: string]: unknown } | null;
  /** Kept from an earlier run attempt by a re-run from the failure (not run again): that attempt; null otherwise. */
  reusedFromAttempt: number | null;
  error: string | null;
  errorCode: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface ExecutionWithSteps extends ExecutionRecord {
  /** Ordered by step index. */
  stepRuns: StepRunRecord[];
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back as `cursor` for the next page. Null on the last page. */
  nextCursor: string | null;
}

export interface NewPipeline {
  name: string;
  workspaceId?: string | null;
  document: PipelineDocument;
  sourceText: string;
  sourceFormat: SourceFormat;
  enabled?: boolean;
}

export interface NewRevision {
  document: PipelineDocument;
  sourceText: string;
  sourceFormat: SourceFormat;
  /** Renames the pipeline along with the new revision. */
  name?: string;
  /** Sets the pipeline's enabled flag along with the new revision. */
  enabled?: boolean;
}

export interface ListPipelinesQuery {
  /** A string: that workspace only; null: pipelines owned by no workspace; undefined: no filter. */
  workspaceId?: string | null;
  /** Any of these workspaces (API keys scoped to several workspaces). */
  workspaceIds?: string[];
  enabled?: boolean;
  limit?: number;
  cursor?: string | null;
}

export interface ExecutionMatch {
  pipelineId: string;
  revisionId: string;
  workspaceId: string | null;
  event: EventEnvelope;
  /** W3C trace context the execution is created in (the matcher's span for it); its steps are its children. */
  traceparent?: string | null;
  /** In pipeline order; the index of each becomes its step_index. */
  steps: { name: string; stepType: string; maxAttempts: number }[];
}

export interface CreatedExecution {
  execution: ExecutionRecord;
  /** False when an execution for this (pipeline, event id) already existed. */
  created: boolean;
}

export interface ListExecutionsQuery {
  pipelineId?: string;
  status?: ExecutionStatus | ExecutionStatus[];
  limit?: number;
  cursor?: string | null;
}

export interface StepCompletion {
  outputs: Record<string, unknown>;
  renderedConfig: unknown;
  logs: StepLogEntry[];
}

export interface StepFailure {
  error: string;
  errorCode: string;
  renderedConfig?: unknown;
  logs: StepLogEntry[];
  /** True: back to pending for another attempt; false: the step run is failed for good. */
  willRetry: boolean;
}

export interface PipelineStats {
  counts: Record<ExecutionStatus, number>;
  /** succeeded / (succeeded + failed); null before any execution finished that way. */
  success_rate: number | null;
  /** Percentiles of execution duration (started_at to finished_at) over succeeded and failed executions. */
  p50_ms: number | null;
  p95_ms: number | null;
  last_run: { id: string; status: ExecutionStatus; queued_at: string; finished_at: string | null } | null;
}

/** A running step run whose lease ran out long ago (see StepRunStore.findAbandonedStepRuns). */
export interface AbandonedStepRun {
  id: string;
  executionId: string;
  stepName: string;
  stepIndex: number;
  stepType: string;
  attempts: number;
  maxAttempts: number;
  runAttempt: number;
}
