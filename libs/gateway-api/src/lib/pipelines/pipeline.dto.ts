import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ErrorDetailDto } from '../errors/error.dto';

export const MAX_PAGE_SIZE = 200;
export const WORKSPACE_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;

/** Query strings are text: "true"/"false" → boolean, anything else stays and fails IsBoolean. */
const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);
const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);

export class ListPipelinesQueryDto {
  @ApiPropertyOptional({ description: 'only pipelines owned by this workspace' })
  @IsOptional()
  @Matches(WORKSPACE_ID_PATTERN, { message: 'workspace_id must be a workspace id' })
  workspace_id?: string;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled?: boolean;

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

export class WorkspaceQueryDto {
  @ApiPropertyOptional({ description: 'owning workspace, for a YAML body (a JSON body may carry workspace_id)' })
  @IsOptional()
  @Matches(WORKSPACE_ID_PATTERN, { message: 'workspace_id must be a workspace id' })
  workspace_id?: string;
}

export class PipelineBodyDto {
  @ApiProperty({ example: 'schema-change-pipeline' }) name: string;
  @ApiPropertyOptional() description?: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: '{enabled, triggers, steps} as in the pipeline file',
    example: {
      enabled: true,
      triggers: [{ event: 'schema.changed', filters: { schema_type: ['openapi', 'protobuf'] } }],
      steps: [{ name: 'regenerate-sdks', step_type: 'regenerate_sdk', config: { languages: ['typescript'] } }],
    },
  })
  definition: Record<string, unknown>;
  @ApiPropertyOptional({ example: 'workspace-123', description: 'owning workspace (create only)' }) workspace_id?: string;
}

export class DiagnosticDto extends ErrorDetailDto {}

export class PipelineDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiPropertyOptional({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ nullable: true, type: String }) workspace_id: string | null;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ description: 'current revision number (1, 2, ...)' }) revision: number;
  @ApiProperty({ format: 'uuid' }) revision_id: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) definition: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiPropertyOptional({ type: [DiagnosticDto], description: 'save-time warnings (create and update only)' })
  warnings?: DiagnosticDto[];
}

export class PipelinePageDto {
  @ApiProperty({ type: [PipelineDto] }) items: PipelineDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class RevisionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() revision: number;
  @ApiProperty({ enum: ['yaml', 'json'] }) source_format: string;
  @ApiProperty() source_text: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) document: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class RevisionPageDto {
  @ApiProperty({ type: [RevisionDto] }) items: RevisionDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class LastRunDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() status: string;
  @ApiProperty({ format: 'date-time' }) queued_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finished_at: string | null;
}

export class PipelineStatsDto {
  @ApiProperty({ format: 'uuid' }) pipeline_id: string;
  @ApiProperty() total: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { succeeded: 40, failed: 2 } })
  counts: Record<string, number>;
  @ApiProperty({ nullable: true, type: Number, description: 'succeeded / (succeeded + failed)' }) success_rate: number | null;
  @ApiProperty({ nullable: true, type: Number }) p50_ms: number | null;
  @ApiProperty({ nullable: true, type: Number }) p95_ms: number | null;
  @ApiProperty({ nullable: true, type: LastRunDto }) last_run: LastRunDto | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) last_run_at: string | null;
}

export class ValidationResultDto {
  @ApiProperty() valid: boolean;
  @ApiProperty({ type: [DiagnosticDto] }) errors: DiagnosticDto[];
  @ApiProperty({ type: [DiagnosticDto] }) warnings: DiagnosticDto[];
}

export class PipelineTestBodyDto {
  @ApiProperty({
    description: 'the pipeline: its YAML file as a string, or {name, definition} as JSON',
    oneOf: [{ type: 'string' }, { type: 'object', additionalProperties: true }],
  })
  pipeline: unknown;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the event envelope {type, payload, id?, workspace_id?, occurred_at?, source?}' })
  event: Record<string, unknown>;
  @ApiPropertyOptional({ description: "the pipeline's owner (default: the key's only workspace; an admin key: a global pipeline)" })
  workspace_id?: string;
  @ApiPropertyOptional({ description: 'a saved pipeline: its id in templates, and its current definition when `pipeline` is left out' })
  pipeline_id?: string;
}

export class DryRunDto {
  @ApiProperty() pipeline: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) event: Record<string, unknown>;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ description: 'the event would start an execution (enabled, in the workspace, a trigger matched)' }) matched: boolean;
  @ApiPropertyOptional({ description: 'the index of the trigger that matches' }) trigger?: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) workspace?: Record<string, unknown>;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'per trigger: matched, and when not the reason (EVENT_TYPE or FILTER) with the failing filter and the event value',
  })
  triggers: Record<string, unknown>[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) concurrency?: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'assumption and steps: needs, condition (decidable now?), outcome, config rendered with secrets as ***' })
  plan: Record<string, unknown>;
}

export class PipelineBacktestBodyDto {
  @ApiProperty({ description: 'the pipeline: its YAML file as a string, or {name, definition} as JSON', oneOf: [{ type: 'string' }, { type: 'object', additionalProperties: true }] })
  pipeline: unknown;
  @ApiPropertyOptional({ description: 'how far back: a duration before now (7d, 24h, 90m; at most 90d) or an ISO date-time. Default 7d', example: '7d' })
  since?: string;
  @ApiPropertyOptional({ description: "the pipeline's owner (default: the key's only workspace; an admin key: a global pipeline). An owned pipeline sees only its workspace's events" })
  workspace_id?: string;
  @ApiPropertyOptional({ description: 'a saved pipeline: its current definition when `pipeline` is left out' })
  pipeline_id?: string;
}

export class BacktestDayDto {
  @ApiProperty({ example: '2026-11-30' }) date: string;
  @ApiProperty() events: number;
  @ApiProperty() matched: number;
  @ApiProperty({ description: 'executions that would have started that day (after debounce)' }) executions: number;
}

export class BacktestSourcesDto {
  @ApiProperty({ description: 'events read from the stream (this workspace only for an owned pipeline)' }) stream: number;
  @ApiProperty({ description: 'events of stored executions no longer on the stream' }) executions: number;
  @ApiProperty({ description: 'a source had more events than a backtest reads (100,000 each)' }) truncated: boolean;
}

export class BacktestDto {
  @ApiProperty({ format: 'date-time' }) since: string;
  @ApiProperty({ format: 'date-time' }) until: string;
  @ApiProperty({ type: BacktestSourcesDto }) sources: BacktestSourcesDto;
  @ApiProperty() events: number;
  @ApiProperty({ description: 'events without a readable time, left out' }) undated: number;
  @ApiProperty() matched: number;
  @ApiProperty({ description: 'executions that would have started (one per matched event unless debounced)' }) executions: number;
  @ApiProperty({ type: [String], description: 'the first matching event ids, in stream order' }) first_matches: string[];
  @ApiProperty({ type: [BacktestDayDto] }) days: BacktestDayDto[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'events, executions, coalesced, key_errors' }) debounce?: Record<string, number>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'groups, executions, queued, cancelled, max_waiting, key_errors, assumed_run_ms (estimated)' })
  concurrency?: Record<string, number>;
}
