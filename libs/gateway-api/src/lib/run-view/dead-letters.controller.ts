import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/api-key.guard';
import { ErrorDto } from '../errors/error.dto';
import { PublishEventDto } from '../events/event.dto';
import { AcceptsBody } from '../http/content-type.guard';
import { GatewayApi } from '../http/gateway-api.decorator';
import { queryPipe } from '../http/query.pipe';
import { DeadLettersService } from './dead-letters.service';
import { DeadLetterDto, DeadLetterPageDto, PageQueryDto, ReplayedDeadLetterDto } from './run-view.dto';

@ApiTags('events')
@GatewayApi()
@Controller('dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @ApiOperation({ summary: 'Entries of the dead-letter stream, newest first (a scoped key sees those whose original names one of its workspaces)' })
  @ApiOkResponse({ type: DeadLetterPageDto })
  list(@CurrentPrincipal() principal: Principal, @Query(queryPipe) query: PageQueryDto): Promise<DeadLetterPageDto> {
    return this.deadLetters.list(principal, query);
  }

  @Get(':entryId')
  @ApiOperation({ summary: 'One dead-letter entry' })
  @ApiOkResponse({ type: DeadLetterDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  get(@CurrentPrincipal() principal: Principal, @Param('entryId') entryId: string): Promise<DeadLetterDto> {
    return this.deadLetters.get(principal, entryId);
  }

  @Post(':entryId/replay')
  @HttpCode(200)
  @AcceptsBody('json')
  @ApiOperation({ summary: 'Put a dead letter back on the event stream: the original, or the corrected envelope given as the body; once only' })
  @ApiBody({ type: PublishEventDto, required: false, description: 'the corrected envelope; without a body the original is replayed' })
  @ApiOkResponse({ type: ReplayedDeadLetterDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiForbiddenResponse({ type: ErrorDto, description: 'the corrected envelope names a workspace the key does not hold' })
  @ApiConflictResponse({ type: ErrorDto, description: 'already replayed' })
  replay(@CurrentPrincipal() principal: Principal, @Param('entryId') entryId: string, @Body() body: unknown): Promise<ReplayedDeadLetterDto> {
    return this.deadLetters.replay(principal, entryId, body);
  }
}
