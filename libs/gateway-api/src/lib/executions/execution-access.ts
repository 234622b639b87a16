import { type Principal, canAccessWorkspace } from '../auth/api-keys';

/**
 * The workspace that decides who may see an execution: its pipeline's while the pipeline is live,
 * else (pipeline deleted) the execution's own, which is the same for owned pipelines. The
 * cross-pipeline list applies this rule in SQL (ExecutionFeedStore).
 */
export function executionAccessWorkspace(pipeline: { workspaceId: string | null } | null, execution: { workspaceId: string | null }): string | null {
  return pipeline ? pipeline.workspaceId : execution.workspaceId;
}

/** Whether the caller may see the execution (a pipeline lookup for scoped keys only). */
export async function canSeeExecution(
  store: { getPipeline(id: string): Promise<{ workspaceId: string | null } | null> },
  principal: Principal,
  execution: { pipelineId: string; workspaceId: string | null },
): Promise<boolean> {
  if (principal.workspaces === null) return true;
  const pipeline = await store.getPipeline(execution.pipelineId);
  return canAccessWorkspace(principal, executionAccessWorkspace(pipeline, execution));
}
