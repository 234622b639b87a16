import { type Principal, canAccessWorkspace } from '../auth/api-keys';

/**
 * Who may see an execution: the workspace that owns it, fixed at creation (its pipeline's owner; a
 * global pipeline's executions belong to no workspace and only admin keys see them), whatever the
 * event said and whatever happened to the pipeline since. The cross-pipeline list applies the same
 * rule in SQL (ExecutionFeedStore: `e.workspace_id`).
 */
export function canSeeExecution(principal: Principal, execution: { workspaceId: string | null }): boolean {
  return canAccessWorkspace(principal, execution.workspaceId);
}
