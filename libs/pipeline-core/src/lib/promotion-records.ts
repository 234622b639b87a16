import type { PromotableEntityType, PromotionFailureCode, PromotionStatus } from './promotions';

/** The promotion model's records, shared by the store that keeps them and the step and API that use them. */

/** A promotion as the store returns it; timestamps are ISO-8601 strings like the other records. */
export interface PromotionRecord {
  id: string;
  workspaceId: string;
  entityType: PromotableEntityType;
  entityId: string;
  /** The version promoted (or to be promoted); null when the entity was missing from the source. */
  version: string | null;
  fromEnvironment: string;
  toEnvironment: string;
  status: PromotionStatus;
  requireApproval: boolean;
  comments: string | null;
  /** The execution and step that asked for it (null when requested otherwise). */
  executionId: string | null;
  stepName: string | null;
  decidedBy: string | null;
  decisionComments: string | null;
  error: string | null;
  errorCode: PromotionFailureCode | string | null;
  createdAt: string;
  updatedAt: string;
  decidedAt: string | null;
  completedAt: string | null;
}

export interface EntityVersionRecord {
  workspaceId: string;
  entityType: PromotableEntityType;
  entityId: string;
  environment: string;
  version: string;
  promotionId: string | null;
  eventId: string | null;
  effectiveAt: string;
  updatedAt: string;
}

export interface WorkspaceEnvironments {
  workspaceId: string;
  /** The promotion order. */
  environments: string[];
  /** False when the workspace never set an order and uses the default. */
  configured: boolean;
  /** Every entity version the workspace has, in environment order, then by entity. */
  versions: EntityVersionRecord[];
}

export interface PromotionRequest {
  workspaceId: string;
  entityType: PromotableEntityType;
  entityId: string;
  fromEnvironment: string;
  toEnvironment: string;
  /** When given, the source must hold exactly this version. */
  version?: string | null;
  comments?: string | null;
  requireApproval?: boolean;
  allowSkip?: boolean;
  executionId?: string | null;
  stepName?: string | null;
}

export interface PromotionRequestResult {
  promotion: PromotionRecord;
  /** False when the (execution, step) already had this promotion: a re-run. */
  created: boolean;
}

export interface PublishedVersion {
  workspaceId: string;
  entityType: PromotableEntityType;
  entityId: string;
  version: string;
  /** Default: the first environment of the workspace's order. */
  environment?: string | null;
  eventId: string;
  /** The event's occurred_at. */
  occurredAt: string;
}

export interface RecordedVersion {
  environment: string;
  /** The version the environment holds now. */
  version: string;
  /** False when nothing changed (a duplicate delivery, or a newer version was already there). */
  changed: boolean;
}

export interface PromotionDecision {
  decidedBy?: string | null;
  comments?: string | null;
}

export interface PromotionDecisionResult {
  promotion: PromotionRecord;
  /** False when the promotion had already been decided (the caller answers 409). */
  changed: boolean;
}

export interface ListPromotionsQuery {
  workspaceId?: string;
  /** Restricts to these workspaces (a scoped API key). */
  workspaceIds?: string[];
  status?: PromotionStatus;
  entityType?: PromotableEntityType;
  entityId?: string;
  executionId?: string;
  limit?: number;
  cursor?: string;
}
