import { ExecutionEntity } from './execution.entity';
import { PipelineRevisionEntity } from './pipeline-revision.entity';
import { PipelineEntity } from './pipeline.entity';
import { StepRunEntity } from './step-run.entity';

export { ExecutionEntity, PipelineEntity, PipelineRevisionEntity, StepRunEntity };
export const STORE_ENTITIES = [PipelineEntity, PipelineRevisionEntity, ExecutionEntity, StepRunEntity];
