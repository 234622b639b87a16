import { ArtifactEntity } from './artifact.entity';
import { ExecutionEntity } from './execution.entity';
import { PipelineRevisionEntity } from './pipeline-revision.entity';
import { PipelineEntity } from './pipeline.entity';
import { StepRunEntity } from './step-run.entity';
import { PROMOTION_ENTITIES } from './promotion-entities';
import { WorkspaceSecretEntity } from './workspace-secret.entity';

export { ArtifactEntity, ExecutionEntity, PipelineEntity, PipelineRevisionEntity, StepRunEntity, WorkspaceSecretEntity };
export const STORE_ENTITIES = [PipelineEntity, PipelineRevisionEntity, ExecutionEntity, StepRunEntity, ArtifactEntity, WorkspaceSecretEntity, ...PROMOTION_ENTITIES];
export * from './promotion-entities';
