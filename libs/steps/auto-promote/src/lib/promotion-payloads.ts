import type { PromotionRecord } from '@mockops/pipeline-core';

export const PROMOTION_COMPLETED = 'promotion.completed';

/** The event id of a promotion's completion: publishing it again (a re-run, a retried approval) is a no-op. */
export function promotionCompletedEventId(promotionId: string): string {
  return `${PROMOTION_COMPLETED}:${promotionId}`;
}

/** The `promotion.completed` payload: the spec's four fields plus what a chained pipeline needs. */
export function promotionCompletedPayload(p: PromotionRecord): Record<string, unknown> {
  return {
    promotion_id: p.id,
    entity_type: p.entityType,
    entity_id: p.entityId,
    version: p.version,
    from_environment: p.fromEnvironment,
    to_environment: p.toEnvironment,
    workspace_id: p.workspaceId,
  };
}

/** The step's outputs, for later steps (`{{steps.<name>.outputs.version}}`). */
export function promotionOutputs(p: PromotionRecord): Record<string, unknown> {
  return {
    promotion_id: p.id,
    status: p.status,
    entity_type: p.entityType,
    entity_id: p.entityId,
    version: p.version,
    from_environment: p.fromEnvironment,
    to_environment: p.toEnvironment,
  };
}

/** A promotion as the API, the CLI and the promotion webhook show it. */
export interface PromotionView {
  id: string;
  workspace_id: string;
  entity_type: string;
  entity_id: string;
  version: string | null;
  from_environment: string;
  to_environment: string;
  status: string;
  require_approval: boolean;
  comments: string | null;
  execution_id: string | null;
  step_name: string | null;
  decided_by: string | null;
  decision_comments: string | null;
  error: string | null;
  error_code: string | null;
  created_at: string;
  updated_at: string;
  decided_at: string | null;
  completed_at: string | null;
}

export function presentPromotion(p: PromotionRecord): PromotionView {
  return {
    id: p.id,
    workspace_id: p.workspaceId,
    entity_type: p.entityType,
    entity_id: p.entityId,
    version: p.version,
    from_environment: p.fromEnvironment,
    to_environment: p.toEnvironment,
    status: p.status,
    require_approval: p.requireApproval,
    comments: p.comments,
    execution_id: p.executionId,
    step_name: p.stepName,
    decided_by: p.decidedBy,
    decision_comments: p.decisionComments,
    error: p.error,
    error_code: p.errorCode,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    decided_at: p.decidedAt,
    completed_at: p.completedAt,
  };
}
