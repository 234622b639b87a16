import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { EXECUTION_STATUSES, STEP_RUN_STATUSES, STEP_TYPES } from '@mockops/pipeline-core';
import { MAX_PAGE_SIZE } from '../pipelines/pipeline.dto';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);

export class ListExecutionsQueryDto {
  @ApiPropertyOptional({ enum: EXECUTION_STATUSES })
  @IsOptional()
  @IsIn(EXECUTION_STATUSES, { message: `status must be one of ${EXECUTION_STATUSES.join(', ')}` })
  status?: (typeof EXECUTION_STATUSES)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export class StepLogDto {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty() attempt: number;
  @ApiProperty() message: string;
}

export class StepRunDto {
  @ApiProperty() name: string;
  @ApiProperty({ enum: STEP_TYPES }) step_type: string;
  @ApiProperty() index: number;
  @ApiProperty({ enum: STEP_RUN_STATUSES }) status: string;
  @ApiProperty() attempts: number;
  @ApiProperty() max_attempts: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) started_at: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finished_at: string | null;
  @ApiProperty({ nullable: true, type: Number }) duration_ms: number | null;
  @ApiProperty({ description: 'the rendered config of the last attempt, secrets redacted', nullable: true, type: 'object', additionalProperties: true })
  config: unknown;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) outputs: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ nullable: true, type: String }) error_code: string | null;
  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description:
      'why a skipped step did not run: {code, message} with code NEED_FAILED, NEED_SKIPPED, NEED_CANCELLED (and need), CONDITION_FALSE (and condition) or EXECUTION_CANCELLED; null otherwise',
  })
  skip_reason: { code: string; message: string; [k: string]: unknown } | null;
  @ApiProperty({ nullable: true, type: Number, description: 'kept from this earlier run attempt by a re-run from the failure (not run again); null when it ran in this attempt' })
  reused_from_attempt: number | null;
  @ApiProperty({ type: [StepLogDto] }) logs: StepLogDto[];
}

export class ExecutionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) pipeline_id: string;
  @ApiProperty({ format: 'uuid', description: 'the pipeline revision this execution is pinned to' }) revision_id: string;
  @ApiProperty({ nullable: true, type: String }) workspace_id: string | null;
  @ApiProperty() event_id: string;
  @ApiProperty() event_type: string;
  @ApiProperty({ enum: EXECUTION_STATUSES }) status: string;
  @ApiProperty({ description: '1 for the first run; each re-run adds one' }) run_attempt: number;
  @ApiProperty({ type: String, nullable: true, description: 'The OpenTelemetry trace of the event that started it (null when nothing was traced)' })
  trace_id: string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ format: 'date-time' }) queued_at: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) started_at: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finished_at: string | null;
  @ApiProperty({ nullable: true, type: Number }) duration_ms: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'its concurrency group as rendered from the event (null: none); a `queued` execution with a group waits for its turn',
  })
  concurrency_group: string | null;
}

export class ReusedStepDto {
  @ApiProperty() step: string;
  @ApiProperty({ description: 'the run attempt the step ran in' }) from_attempt: number;
}

export class ExecutionLineageDto {
  @ApiProperty() run_attempt: number;
  @ApiProperty({ type: [ReusedStepDto] }) reused: ReusedStepDto[];
}

export class ExecutionDetailDto extends ExecutionDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the event envelope that started it' })
  event: Record<string, unknown>;
  @ApiProperty({ type: [StepRunDto] }) steps: StepRunDto[];
  @ApiProperty({ type: ExecutionLineageDto, description: 'the run attempt, and the steps a re-run from the failure kept from earlier attempts' })
  lineage: ExecutionLineageDto;
}

export class RerunQueryDto {
  @ApiPropertyOptional({ enum: ['failed'], description: 'failed: keep the steps that succeeded (their outputs too) and run the others again' })
  @IsOptional()
  @IsIn(['failed'])
  from?: 'failed';
}

export class ExecutionPageDto {
  @ApiProperty({ type: [ExecutionDto] }) items: ExecutionDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
