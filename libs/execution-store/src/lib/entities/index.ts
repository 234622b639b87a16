import { ArtifactEntity } from './artifact.entity';
import { DebounceBurstEntity } from './debounce-burst.entity';
import { ExecutionEntity } from './execution.entity';
import { ExecutionKeyEntity } from './execution-key.entity';
import { PipelineRevisionEntity } from './pipeline-revision.entity';
import { PipelineEntity } from './pipeline.entity';
import { StepRunEntity } from './step-run.entity';
import { PROMOTION_ENTITIES } from './promotion-entities';
import { WorkspaceSecretEntity } from './workspace-secret.entity';

export { ArtifactEntity, DebounceBurstEntity, ExecutionEntity, ExecutionKeyEntity, PipelineEntity, PipelineRevisionEntity, StepRunEntity, WorkspaceSecretEntity };
export const STORE_ENTITIES = [PipelineEntity, PipelineRevisionEntity, ExecutionEntity, ExecutionKeyEntity, StepRunEntity, ArtifactEntity, WorkspaceSecretEntity, DebounceBurstEntity, ...PROMOTION_ENTITIES];
export * from './promotion-entities';
