import type { Diagnostic } from '@mockops/pipeline-core';
import type {
  ExecutionRecord,
  ExecutionWithSteps,
  PipelineStats,
  PipelineWithRevision,
  RevisionRecord,
  StepRunRecord,
} from '@mockops/execution-store';
import type { ErrorDetail } from './errors/gateway-error';
import type { ExecutionDetailDto, ExecutionDto, StepRunDto } from './executions/execution.dto';
import type { PipelineDto, PipelineStatsDto, RevisionDto } from './pipelines/pipeline.dto';

// The API speaks snake_case (lists are `{items, next_cursor}`, README "REST API"); the store's records are camelCase.

export function presentDiagnostic(d: Diagnostic): ErrorDetail {
  return {
    severity: d.severity,
    code: d.code,
    path: d.path,
    ...(d.line !== undefined ? { line: d.line, column: d.column ?? 1 } : {}),
    message: d.message,
  };
}

export function presentPipeline(p: PipelineWithRevision, warnings?: Diagnostic[]): PipelineDto {
  const doc = p.revision.document;
  return {
    id: p.id,
    name: p.name,
    description: doc.description ?? null,
    workspace_id: p.workspaceId,
    enabled: p.enabled,
    revision: p.currentRevision,
    revision_id: p.currentRevisionId,
    // The enabled flag is the pipeline's (enable/disable change it without a new revision).
    definition: { ...doc.definition, enabled: p.enabled } as unknown as Record<string, unknown>,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    ...(warnings ? { warnings: warnings.map(presentDiagnostic) } : {}),
  };
}

export function presentRevision(r: RevisionRecord): RevisionDto {
  return {
    id: r.id,
    revision: r.revision,
    source_format: r.sourceFormat,
    source_text: r.sourceText,
    document: r.document as unknown as Record<string, unknown>,
    created_at: r.createdAt,
  };
}

export function presentStats(pipelineId: string, s: PipelineStats): PipelineStatsDto {
  const counts = s.counts as Record<string, number>;
  return {
    pipeline_id: pipelineId,
    total: Object.values(counts).reduce((a, b) => a + b, 0),
    counts,
    success_rate: s.success_rate,
    p50_ms: s.p50_ms,
    p95_ms: s.p95_ms,
    last_run: s.last_run,
    last_run_at: s.last_run?.queued_at ?? null,
  };
}

function durationMs(start: string | null, end: string | null): number | null {
  if (!start || !end) return null;
  return Math.max(0, Date.parse(end) - Date.parse(start));
}

export function presentExecution(e: ExecutionRecord): ExecutionDto {
  return {
    id: e.id,
    pipeline_id: e.pipelineId,
    revision_id: e.revisionId,
    workspace_id: e.workspaceId,
    event_id: e.eventId,
    event_type: e.eventType,
    status: e.status,
    run_attempt: e.runAttempt,
    trace_id: e.traceId ?? null,
    error: e.error,
    queued_at: e.queuedAt,
    started_at: e.startedAt,
    finished_at: e.finishedAt,
    duration_ms: durationMs(e.startedAt, e.finishedAt),
    concurrency_group: e.concurrencyGroup ?? null,
  };
}

export function presentStepRun(s: StepRunRecord): StepRunDto {
  return {
    name: s.stepName,
    step_type: s.stepType,
    index: s.stepIndex,
    status: s.status,
    attempts: s.attempts,
    max_attempts: s.maxAttempts,
    started_at: s.startedAt,
    finished_at: s.finishedAt,
    duration_ms: s.durationMs ?? durationMs(s.startedAt, s.finishedAt),
    // Redacted by the worker before it was stored; lease fields are internal and left out.
    config: s.renderedConfig ?? null,
    outputs: s.outputs,
    error: s.error,
    error_code: s.errorCode,
    skip_reason: s.skipReason ?? null,
    reused_from_attempt: s.reusedFromAttempt ?? null,
    logs: s.logs ?? [],
  };
}

export function presentExecutionDetail(e: ExecutionWithSteps): ExecutionDetailDto {
  return {
    ...presentExecution(e),
    event: e.event as unknown as Record<string, unknown>,
    steps: e.stepRuns.map(presentStepRun),
    lineage: {
      run_attempt: e.runAttempt,
      reused: e.stepRuns.filter((s) => s.reusedFromAttempt !== null && s.reusedFromAttempt !== undefined).map((s) => ({ step: s.stepName, from_attempt: s.reusedFromAttempt as number })),
    },
  };
}
