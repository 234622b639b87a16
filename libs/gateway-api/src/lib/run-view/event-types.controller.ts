import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { eventPayloadSchemas } from '@mockops/pipeline-core';
import { GatewayApi } from '../http/gateway-api.decorator';
import { EventTypePageDto } from './run-view.dto';

@ApiTags('events')
@GatewayApi()
@Controller('event-types')
export class EventTypesController {
  @Get()
  @ApiOperation({ summary: 'The known event types with the JSON Schema of their payload (other types are accepted unchecked)' })
  @ApiOkResponse({ type: EventTypePageDto })
  list(): EventTypePageDto {
    return {
      items: eventPayloadSchemas().map(({ type, schema }) => ({ type, description: String(schema['description'] ?? ''), payload_schema: schema })),
      next_cursor: null,
    };
  }
}
