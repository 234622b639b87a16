import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
  getSchemaPath,
  ApiExtraModels,
} from '@nestjs/swagger';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/api-key.guard';
import { ErrorDto } from '../errors/error.dto';
import { ExecutionPageDto, ListExecutionsQueryDto } from '../executions/execution.dto';
import { AcceptsBody } from '../http/content-type.guard';
import { GatewayApi } from '../http/gateway-api.decorator';
import { queryPipe } from '../http/query.pipe';
import {
  BacktestDto,
  DryRunDto,
  ListPipelinesQueryDto,
  PipelineBodyDto,
  PipelineDto,
  PipelinePageDto,
  PipelineStatsDto,
  PipelineBacktestBodyDto,
  PipelineTestBodyDto,
  RevisionPageDto,
  ValidationResultDto,
  WorkspaceQueryDto,
} from './pipeline.dto';
import { PipelinesService } from './pipelines.service';
import { PipelineBacktestService } from './pipeline-backtest.service';

const YAML_EXAMPLE = `name: auto-sdk-regeneration
definition:
  enabled: true
  triggers:
    - event: schema.changed
      filters:
        schema_type: openapi
  steps:
    - name: regenerate_sdk
      step_type: regenerate_sdk
      config:
        spec_path: "{{event.spec_path}}"
        languages: ["typescript", "rust", "python"]
`;

/** The pipeline file as JSON, or the YAML file itself. */
const PipelineBody = () =>
  ApiBody({
    schema: { oneOf: [{ $ref: getSchemaPath(PipelineBodyDto) }, { type: 'string', description: 'the pipeline YAML file', example: YAML_EXAMPLE }] },
  });

@ApiTags('pipelines')
@ApiExtraModels(PipelineBodyDto)
@ApiBadRequestResponse({ type: ErrorDto, description: 'invalid input; details carry path, line and column' })
@GatewayApi()
@Controller('pipelines')
export class PipelinesController {
  constructor(
    private readonly pipelines: PipelinesService,
    private readonly backtests: PipelineBacktestService,
  ) {}

  @Post('validate')
  @HttpCode(200)
  @AcceptsBody('json', 'yaml')
  @ApiOperation({ summary: 'Check a pipeline without saving it (the same checks as create)' })
  @ApiConsumes('application/json', 'application/yaml')
  @PipelineBody()
  @ApiOkResponse({ type: ValidationResultDto })
  validate(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<ValidationResultDto> {
    return this.pipelines.validate(principal, body);
  }

  @Post('test')
  @HttpCode(200)
  @AcceptsBody('json')
  @ApiOperation({
    summary: 'Dry run: what an event would do to a pipeline, without running anything',
    description:
      'For each trigger whether it matches and, if not, the failing filter with the event value; the debounce key and concurrency group; the plan (needs, which `if`s are decidable now and their value) and every step config rendered with secrets as ***. Nothing is saved or started.',
  })
  @ApiBody({ type: PipelineTestBodyDto })
  @ApiOkResponse({ type: DryRunDto })
  @ApiForbiddenResponse({ type: ErrorDto, description: 'the key may not use that workspace' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'pipeline_id names no pipeline this key can see' })
  test(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<DryRunDto> {
    return this.pipelines.test(principal, body);
  }

  @Post('backtest')
  @HttpCode(200)
  @AcceptsBody('json')
  @ApiOperation({
    summary: "Backtest: how a pipeline would have matched the recent events (the stream's and stored executions'), without running anything",
    description:
      "Counts per day, the first matching event ids, what debounce would have coalesced and concurrency would have queued. An owned pipeline sees only its workspace's events. Nothing is saved, enqueued or published.",
  })
  @ApiBody({ type: PipelineBacktestBodyDto })
  @ApiOkResponse({ type: BacktestDto })
  @ApiForbiddenResponse({ type: ErrorDto, description: 'the key may not use that workspace' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'pipeline_id names no pipeline this key can see' })
  backtest(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<BacktestDto> {
    return this.backtests.run(principal, body);
  }

  @Post()
  @AcceptsBody('json', 'yaml')
  @ApiOperation({ summary: 'Create a pipeline from JSON {name, definition, workspace_id?} or from the YAML file' })
  @ApiConsumes('application/json', 'application/yaml')
  @PipelineBody()
  @ApiCreatedResponse({ type: PipelineDto })
  @ApiConflictResponse({ type: ErrorDto, description: 'a pipeline of that name exists in the workspace' })
  @ApiForbiddenResponse({ type: ErrorDto, description: 'the key may not create in that workspace' })
  @ApiPayloadTooLargeResponse({ type: ErrorDto })
  @ApiUnsupportedMediaTypeResponse({ type: ErrorDto })
  create(@CurrentPrincipal() principal: Principal, @Body() body: unknown, @Query(queryPipe) query: WorkspaceQueryDto): Promise<PipelineDto> {
    return this.pipelines.create(principal, body, query.workspace_id);
  }

  @Get()
  @ApiOperation({ summary: 'List pipelines, newest first' })
  @ApiOkResponse({ type: PipelinePageDto })
  list(@CurrentPrincipal() principal: Principal, @Query(queryPipe) query: ListPipelinesQueryDto): Promise<PipelinePageDto> {
    return this.pipelines.list(principal, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A pipeline with its current definition' })
  @ApiOkResponse({ type: PipelineDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<PipelineDto> {
    return this.pipelines.get(principal, id);
  }

  @Put(':id')
  @AcceptsBody('json', 'yaml')
  @ApiOperation({ summary: 'Replace the definition: a new revision; running executions keep the revision they started on' })
  @ApiConsumes('application/json', 'application/yaml')
  @PipelineBody()
  @ApiOkResponse({ type: PipelineDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto })
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query(queryPipe) query: WorkspaceQueryDto,
  ): Promise<PipelineDto> {
    return this.pipelines.update(principal, id, body, query.workspace_id);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a pipeline' })
  @ApiOkResponse({ type: PipelineDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  enable(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<PipelineDto> {
    return this.pipelines.setEnabled(principal, id, true);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable a pipeline (it stops matching events)' })
  @ApiOkResponse({ type: PipelineDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  disable(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<PipelineDto> {
    return this.pipelines.setEnabled(principal, id, false);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a pipeline; its executions and revisions stay readable' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorDto })
  async delete(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.pipelines.delete(principal, id);
  }

  @Get(':id/revisions')
  @ApiOperation({ summary: 'All revisions, oldest first' })
  @ApiOkResponse({ type: RevisionPageDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  revisions(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<RevisionPageDto> {
    return this.pipelines.revisions(principal, id);
  }

  @Get(':id/stats')
  @ApiOperation({ summary: 'Counts by status, success rate, p50/p95 duration, last run' })
  @ApiOkResponse({ type: PipelineStatsDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  stats(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<PipelineStatsDto> {
    return this.pipelines.stats(principal, id);
  }

  @Get(':id/executions')
  @ApiOperation({ summary: "A pipeline's executions, newest first" })
  @ApiOkResponse({ type: ExecutionPageDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  executions(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query(queryPipe) query: ListExecutionsQueryDto,
  ): Promise<ExecutionPageDto> {
    return this.pipelines.executions(principal, id, query);
  }
}
