import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class PublishEventDto {
  @ApiProperty({ example: 'schema.changed' }) type: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { spec_path: 'specs/petstore.yaml', schema_type: 'openapi', changes: [] } })
  payload: Record<string, unknown>;
  @ApiPropertyOptional({ description: "the producer's idempotency key; publishing the same id again is a no-op" }) id?: string;
  @ApiPropertyOptional({ example: 'workspace-123' }) workspace_id?: string;
  @ApiPropertyOptional() workspace_name?: string;
  @ApiPropertyOptional({ format: 'date-time' }) occurred_at?: string;
  @ApiPropertyOptional({ example: 'registry' }) source?: string;
  @ApiPropertyOptional({
    example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    description: 'W3C trace context to continue (else the request\'s own, from its traceparent header when tracing is on)',
  })
  traceparent?: string;
  @ApiPropertyOptional({ description: 'set on a replayed event: the id of the event it re-publishes' }) replay_of?: string;
}

export class ReplayEventDto {
  @ApiPropertyOptional({ description: 'the workspace of the event to replay, when the same id exists in several (admin keys)' }) workspace_id?: string;
  @ApiPropertyOptional({ description: 'the new event id (idempotent: replaying again with it is a no-op); default a new random id' }) id?: string;
}

export class ReplayedEventDto {
  @ApiProperty({ description: 'the new event id' }) id: string;
  @ApiProperty({ description: 'the id of the event it re-publishes (also in the new envelope as replay_of)' }) replay_of: string;
  @ApiProperty({ nullable: true, type: String }) workspace_id: string | null;
  @ApiProperty() duplicate: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'stream entry id; null for a duplicate' }) entry_id: string | null;
  @ApiProperty({ enum: ['executions', 'stream'], description: 'where the original was found' }) found_in: 'executions' | 'stream';
}

export class PublishedEventDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'true when an event with this id had been published already (nothing was added)' }) duplicate: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'stream entry id; null for a duplicate' }) entry_id: string | null;
}
