import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/api-key.guard';
import { ErrorDto } from '../errors/error.dto';
import { GatewayApi } from '../http/gateway-api.decorator';
import { queryPipe } from '../http/query.pipe';
import { ExecutionDetailDto, RerunQueryDto } from './execution.dto';
import { ExecutionsService } from './executions.service';

@ApiTags('executions')
@GatewayApi()
@Controller('executions')
export class ExecutionsController {
  constructor(private readonly executions: ExecutionsService) {}

  @Get(':id')
  @ApiOperation({ summary: 'An execution with its step runs (status, attempts, durations, outputs, redacted config, error, logs)' })
  @ApiOkResponse({ type: ExecutionDetailDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ExecutionDetailDto> {
    return this.executions.get(principal, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a queued or running execution' })
  @ApiOkResponse({ type: ExecutionDetailDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto, description: 'the execution already ended' })
  cancel(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ExecutionDetailDto> {
    return this.executions.cancel(principal, id);
  }

  @Post(':id/rerun')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run a finished execution again on the same revision and event (a new run attempt)',
    description: '`?from=failed`: the steps that succeeded keep their outputs and are not run again (`reused_from_attempt`, `lineage`); the others run again.',
  })
  @ApiOkResponse({ type: ExecutionDetailDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto, description: 'the execution has not finished (or, from=failed, every step succeeded)' })
  rerun(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query(queryPipe) query: RerunQueryDto): Promise<ExecutionDetailDto> {
    return this.executions.rerun(principal, id, { fromFailed: query.from === 'failed' });
  }
}
