export type {
  EntityVersionRecord,
  ListPromotionsQuery,
  PromotionDecision,
  PromotionDecisionResult,
  PromotionRecord,
  PromotionRequest,
  PromotionRequestResult,
  PublishedVersion,
  RecordedVersion,
  WorkspaceEnvironments,
} from '@mockops/pipeline-core';
