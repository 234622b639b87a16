import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/api-key.guard';
import { ErrorDto } from '../errors/error.dto';
import { AcceptsBody } from '../http/content-type.guard';
import { GatewayApi } from '../http/gateway-api.decorator';
import { PublishEventDto, PublishedEventDto, ReplayEventDto, ReplayedEventDto } from './event.dto';
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

  @Post(':id/replay')
  @HttpCode(202)
  @AcceptsBody('json')
  @ApiOperation({
    summary: 'Re-publish a stored event under a new id (replay_of: the original id)',
    description: 'The original is found among the events executions were started by, else among the newest stream entries. Only events of the key\'s workspaces.',
  })
  @ApiBody({ type: ReplayEventDto, required: false })
  @ApiAcceptedResponse({ type: ReplayedEventDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'no such event in the workspaces this key can see' })
  @ApiConflictResponse({ type: ErrorDto, description: 'the id exists in several workspaces: name one with workspace_id' })
  replay(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown): Promise<ReplayedEventDto> {
    return this.events.replay(principal, id, body);
  }
}
