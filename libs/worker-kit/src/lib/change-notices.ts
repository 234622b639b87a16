import type { ExecutionChange } from '@mockops/event-stream';

/** The notice for an execution (and optionally one of its steps) now in `status`. */
export function changeOf(
  execution: { id: string; pipelineId: string; workspaceId: string | null },
  status: string,
  step?: { name: string; status: string },
): ExecutionChange {
  return {
    execution_id: execution.id,
    pipeline_id: execution.pipelineId,
    workspace_id: execution.workspaceId,
    status,
    ...(step ? { step: step.name, step_status: step.status } : {}),
  };
}
