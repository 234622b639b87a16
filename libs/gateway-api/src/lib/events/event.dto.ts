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
}

export class PublishedEventDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'true when an event with this id had been published already (nothing was added)' }) duplicate: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'stream entry id; null for a duplicate' }) entry_id: string | null;
}
