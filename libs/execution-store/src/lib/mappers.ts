import type { ExecutionRecord, IndexedPipelineRecord, PipelineRecord, PipelineWithRevision, RevisionRecord, StepRunRecord } from './records';
import { type Row, iso, isoAt } from './sql';
import { StoreError } from './store-error';

// Rows to records, shared by the stores of each seam.

export function toPipeline(r: Row): PipelineRecord {
  return {
    id: r.id,
    name: r.name,
    workspaceId: r.workspace_id,
    enabled: r.enabled,
    currentRevisionId: r.current_revision_id,
    currentRevision: r.current_revision,
    createdAt: isoAt(r.created_at),
    updatedAt: isoAt(r.updated_at),
    deletedAt: iso(r.deleted_at),
  };
}

export function toRevision(r: Row): RevisionRecord {
  return {
    id: r.id,
    pipelineId: r.pipeline_id,
    revision: r.revision,
    document: r.document,
    sourceText: r.source_text,
    sourceFormat: r.source_format,
    createdAt: isoAt(r.created_at),
  };
}

export function toPipelineWithRevision(r: Row): PipelineWithRevision {
  return {
    ...toPipeline(r),
    revision: toRevision({
      id: r.r_id,
      pipeline_id: r.r_pipeline_id,
      revision: r.r_revision,
      document: r.r_document,
      source_text: r.r_source_text,
      source_format: r.r_source_format,
      created_at: r.r_created_at,
    }),
  };
}

export function toIndexed(r: Row): IndexedPipelineRecord {
  return { id: r.id, name: r.name, workspaceId: r.workspace_id, revisionId: r.revision_id, document: r.document };
}

export function toExecution(r: Row): ExecutionRecord {
  return {
    id: r.id,
    pipelineId: r.pipeline_id,
    revisionId: r.revision_id,
    workspaceId: r.workspace_id,
    eventId: r.event_id,
    eventType: r.event_type,
    event: r.event,
    status: r.status,
    runAttempt: r.run_attempt ?? 1,
    traceId: r.trace_id ?? null,
    traceparent: r.traceparent ?? null,
    error: r.error,
    queuedAt: isoAt(r.queued_at),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    ...(r.created_at ? { createdAt: isoAt(r.created_at) } : {}),
    concurrencyKey: r.concurrency_key ?? null,
    concurrencyGroup: r.concurrency_group ?? null,
    concurrencyAdmitted: r.concurrency_admitted ?? null,
  };
}

export function toStepRun(r: Row): StepRunRecord {
  return {
    id: r.id,
    executionId: r.execution_id,
    stepIndex: r.step_index,
    stepName: r.step_name,
    stepType: r.step_type,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    renderedConfig: r.rendered_config,
    outputs: r.outputs,
    progress: r.progress ?? null,
    logs: r.logs ?? [],
    skipReason: r.skip_reason ?? null,
    reusedFromAttempt: r.reused_from_attempt ?? null,
    error: r.error,
    errorCode: r.error_code,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: iso(r.lease_expires_at),
    queuedAt: isoAt(r.queued_at),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    durationMs: r.duration_ms,
  };
}

export function notFound(what: string, id: string): StoreError {
  return new StoreError('NOT_FOUND', `${what} ${id} not found`);
}
