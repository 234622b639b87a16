import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { EXECUTION_STATUSES, STEP_RUN_STATUSES } from '@mockops/pipeline-core';
import { ExecutionDto } from '../executions/execution.dto';
import { LastRunDto, MAX_PAGE_SIZE, WORKSPACE_ID_PATTERN } from '../pipelines/pipeline.dto';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A Redis stream entry id. */
export const STREAM_ENTRY_ID = /^\d{1,20}-\d{1,20}$/;

export class ListFeedQueryDto {
  @ApiPropertyOptional({ enum: EXECUTION_STATUSES })
  @IsOptional()
  @IsIn(EXECUTION_STATUSES, { message: `status must be one of ${EXECUTION_STATUSES.join(', ')}` })
  status?: (typeof EXECUTION_STATUSES)[number];

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Matches(UUID, { message: 'pipeline_id must be a uuid' })
  pipeline_id?: string;

  @ApiPropertyOptional({ description: "the execution's workspace" })
  @IsOptional()
  @Matches(WORKSPACE_ID_PATTERN, { message: 'workspace_id must be a workspace id' })
  workspace_id?: string;

  @ApiPropertyOptional({ example: 'scenario.published' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  event_type?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export class FeedExecutionDto extends ExecutionDto {
  @ApiProperty() pipeline_name: string;
}

export class FeedExecutionPageDto {
  @ApiProperty({ type: [FeedExecutionDto] }) items: FeedExecutionDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class ExecutionChangeDto {
  @ApiProperty({ format: 'uuid' }) execution_id: string;
  @ApiProperty({ format: 'uuid' }) pipeline_id: string;
  @ApiProperty({ nullable: true, type: String }) workspace_id: string | null;
  @ApiProperty({ enum: EXECUTION_STATUSES }) status: string;
  @ApiPropertyOptional({ description: 'the step that changed, when a step did' }) step?: string;
  @ApiPropertyOptional({ enum: STEP_RUN_STATUSES }) step_status?: string;
}

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page (a stream entry id)' })
  @IsOptional()
  @Matches(STREAM_ENTRY_ID, { message: 'cursor must be a stream entry id' })
  cursor?: string;
}

export class DeadLetterReplayDto {
  @ApiProperty({ description: 'the entry the replay added to the event stream' }) entry_id: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ nullable: true, type: String, description: 'fingerprint of the API key that replayed it' }) by: string | null;
}

export class DeadLetterDto {
  @ApiProperty({ description: 'the dead-letter entry id (what replay takes)' }) id: string;
  @ApiProperty({ description: 'why the entry was dead-lettered' }) reason: string;
  @ApiProperty({ description: 'the original `event` field (or all fields, as JSON, when it had none)' }) original: string;
  @ApiProperty({ nullable: true, type: String, description: 'the entry id on the event stream' }) entry_id: string | null;
  @ApiProperty({ nullable: true, type: String }) stream: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) at: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'from the original, when it parses' }) event_type: string | null;
  @ApiProperty({ nullable: true, type: String }) event_id: string | null;
  @ApiProperty({ nullable: true, type: String }) workspace_id: string | null;
  @ApiProperty({ nullable: true, type: DeadLetterReplayDto }) replayed: DeadLetterReplayDto | null;
}

export class DeadLetterPageDto {
  @ApiProperty({ type: [DeadLetterDto] }) items: DeadLetterDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class ReplayedDeadLetterDto {
  @ApiProperty() id: string;
  @ApiProperty() entry_id: string;
  @ApiProperty() event_id: string;
  @ApiProperty() event_type: string;
  @ApiProperty({ format: 'date-time' }) replayed_at: string;
}

export class EventTypeDto {
  @ApiProperty({ example: 'scenario.published' }) type: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'JSON Schema (draft-07) of the payload' })
  payload_schema: Record<string, unknown>;
}

export class EventTypePageDto {
  @ApiProperty({ type: [EventTypeDto] }) items: EventTypeDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class PipelineSummariesQueryDto {
  @ApiProperty({ description: `comma-separated pipeline ids (at most ${MAX_PAGE_SIZE})` })
  @IsString()
  @Matches(/^[0-9a-fA-F-]{36}(,[0-9a-fA-F-]{36}){0,199}$/, { message: `ids must be up to ${MAX_PAGE_SIZE} comma-separated pipeline ids` })
  ids: string;
}

export class PipelineSummaryDto {
  @ApiProperty({ format: 'uuid' }) pipeline_id: string;
  @ApiProperty() total: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } }) counts: Record<string, number>;
  @ApiProperty({ nullable: true, type: Number, description: 'succeeded / (succeeded + failed)' }) success_rate: number | null;
  @ApiProperty({ nullable: true, type: LastRunDto }) last_run: LastRunDto | null;
}

export class PipelineSummaryPageDto {
  @ApiProperty({ type: [PipelineSummaryDto] }) items: PipelineSummaryDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class StatsTimelineQueryDto {
  @ApiPropertyOptional({ enum: ['minute', 'hour', 'day'], description: "default: what fits the pipeline's history" })
  @IsOptional()
  @IsIn(['minute', 'hour', 'day'], { message: 'bucket must be minute, hour or day' })
  bucket?: 'minute' | 'hour' | 'day';

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 60 })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'points must be an integer' })
  @Min(1)
  @Max(500)
  points?: number;
}

export class StatsPointDto {
  @ApiProperty({ format: 'date-time', description: 'start of the bucket' }) at: string;
  @ApiProperty() total: number;
  @ApiProperty() succeeded: number;
  @ApiProperty() failed: number;
  @ApiProperty({ nullable: true, type: Number }) success_rate: number | null;
  @ApiProperty({ nullable: true, type: Number }) p50_ms: number | null;
  @ApiProperty({ nullable: true, type: Number }) p95_ms: number | null;
}

export class StatsTimelineDto {
  @ApiProperty({ format: 'uuid' }) pipeline_id: string;
  @ApiProperty({ enum: ['minute', 'hour', 'day'] }) bucket: string;
  @ApiProperty({ type: [StatsPointDto] }) items: StatsPointDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
