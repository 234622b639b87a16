import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiForbiddenResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/api-key.guard';
import { ErrorDto } from '../errors/error.dto';
import { AcceptsBody } from '../http/content-type.guard';
import { GatewayApi } from '../http/gateway-api.decorator';
import { PublishEventDto, PublishedEventDto } from './event.dto';
import { EventsService } from './events.service';

@ApiTags('events')
@GatewayApi()
@Controller('events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @HttpCode(202)
  @AcceptsBody('json')
  @ApiOperation({ summary: 'Publish a domain event to the stream (idempotent on a producer-given id)' })
  @ApiBody({ type: PublishEventDto })
  @ApiAcceptedResponse({ type: PublishedEventDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiForbiddenResponse({ type: ErrorDto, description: 'the key may not publish for that workspace' })
  publish(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<PublishedEventDto> {
    return this.events.publish(principal, body);
  }
}
