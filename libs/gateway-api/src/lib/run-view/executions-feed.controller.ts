import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/api-key.guard';
import { ErrorDto } from '../errors/error.dto';
import { GatewayApi } from '../http/gateway-api.decorator';
import { queryPipe } from '../http/query.pipe';
import { ExecutionLiveService } from './execution-live.service';
import { ExecutionsFeedService } from './executions-feed.service';
import {
  ExecutionChangeDto,
  FeedExecutionPageDto,
  ListFeedQueryDto,
  PipelineSummariesQueryDto,
  PipelineSummaryPageDto,
  StatsTimelineDto,
  StatsTimelineQueryDto,
} from './run-view.dto';

@ApiTags('executions')
@ApiExtraModels(ExecutionChangeDto)
@GatewayApi()
@Controller('executions')
export class ExecutionsFeedController {
  constructor(
    private readonly feed: ExecutionsFeedService,
    private readonly live: ExecutionLiveService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Executions across pipelines, newest first, filtered by status, pipeline, workspace and event type' })
  @ApiOkResponse({ type: FeedExecutionPageDto })
  list(@CurrentPrincipal() principal: Principal, @Query(queryPipe) query: ListFeedQueryDto): Promise<FeedExecutionPageDto> {
    return this.feed.list(principal, query);
  }

  @Get('live')
  @ApiOperation({
    summary: 'Server-sent events of execution and step changes the key may see',
    description:
      'A text/event-stream: `event: ready` once connected, then `event: execution` with an ExecutionChange as `data` whenever an ' +
      'execution or one of its steps changes state (read the execution for the details), and a `: heartbeat` comment every 15 s. ' +
      'Authenticate with the Authorization header (fetch and a stream reader rather than EventSource, so the key never goes into a URL).',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'the event stream; each `data` is an ExecutionChange', schema: { $ref: getSchemaPath(ExecutionChangeDto) } })
  @ApiServiceUnavailableResponse({ type: ErrorDto, description: 'no Redis connection' })
  liveFeed(@CurrentPrincipal() principal: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.live.attach(principal, req, res);
  }
}

@ApiTags('pipelines')
@GatewayApi()
@Controller()
export class PipelineInsightsController {
  constructor(private readonly feed: ExecutionsFeedService) {}

  @Get('pipeline-summaries')
  @ApiOperation({ summary: 'Run summaries (counts, success rate, last run) of several pipelines in one call: ?ids=<id>,<id>...' })
  @ApiOkResponse({ type: PipelineSummaryPageDto })
  summaries(@CurrentPrincipal() principal: Principal, @Query(queryPipe) query: PipelineSummariesQueryDto): Promise<PipelineSummaryPageDto> {
    return this.feed.summaries(principal, query.ids);
  }

  @Get('pipelines/:id/stats/timeline')
  @ApiOperation({ summary: 'Success rate and p50/p95 duration over time, one point per minute, hour or day' })
  @ApiOkResponse({ type: StatsTimelineDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  timeline(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query(queryPipe) query: StatsTimelineQueryDto,
  ): Promise<StatsTimelineDto> {
    return this.feed.timeline(principal, id, query);
  }
}
