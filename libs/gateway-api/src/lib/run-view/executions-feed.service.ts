import { Inject, Injectable } from '@nestjs/common';
import type { ExecutionFeedStore } from '@mockops/execution-store';
import type { Principal } from '../auth/api-keys';
import { GatewayError } from '../errors/gateway-error';
import { PipelinesService } from '../pipelines/pipelines.service';
import { presentExecution } from '../presenters';
import type {
  FeedExecutionPageDto,
  ListFeedQueryDto,
  PipelineSummaryPageDto,
  StatsTimelineDto,
  StatsTimelineQueryDto,
} from './run-view.dto';
import { EXECUTION_FEED } from './run-view.tokens';

/**
 * Read models of the run view: executions across pipelines, run summaries for a page of pipelines,
 * a pipeline's stats over time. A scoped key sees exactly what the per-pipeline endpoints let it see.
 */
@Injectable()
export class ExecutionsFeedService {
  constructor(
    @Inject(EXECUTION_FEED) private readonly feed: ExecutionFeedStore | null,
    private readonly pipelines: PipelinesService,
  ) {}

  async list(principal: Principal, query: ListFeedQueryDto): Promise<FeedExecutionPageDto> {
    const page = await this.store().listExecutions({
      status: query.status,
      pipelineId: query.pipeline_id,
      workspaceId: query.workspace_id,
      eventType: query.event_type,
      visibleTo: principal.workspaces ?? undefined,
      limit: query.limit,
      cursor: query.cursor,
    });
    return { items: page.items.map((e) => ({ ...presentExecution(e), pipeline_name: e.pipelineName })), next_cursor: page.nextCursor };
  }

  async summaries(principal: Principal, ids: string): Promise<PipelineSummaryPageDto> {
    const summaries = await this.store().pipelineSummaries([...new Set(ids.split(','))], principal.workspaces ?? undefined);
    return {
      items: summaries.map((s) => ({
        pipeline_id: s.pipelineId,
        total: s.total,
        counts: s.counts,
        success_rate: s.successRate,
        last_run: s.lastRun ? { id: s.lastRun.id, status: s.lastRun.status, queued_at: s.lastRun.queuedAt, finished_at: s.lastRun.finishedAt } : null,
      })),
      next_cursor: null,
    };
  }

  async timeline(principal: Principal, pipelineId: string, query: StatsTimelineQueryDto): Promise<StatsTimelineDto> {
    const pipeline = await this.pipelines.find(principal, pipelineId);
    const { bucket, points } = await this.store().statsTimeline(pipeline.id, { bucket: query.bucket, points: query.points });
    return {
      pipeline_id: pipeline.id,
      bucket,
      items: points.map((p) => ({
        at: p.at,
        total: p.total,
        succeeded: p.succeeded,
        failed: p.failed,
        success_rate: p.successRate,
        p50_ms: p.p50Ms,
        p95_ms: p.p95Ms,
      })),
      next_cursor: null,
    };
  }

  private store(): ExecutionFeedStore {
    if (!this.feed) throw new GatewayError('UNAVAILABLE', 'this gateway has no database connection for the run view');
    return this.feed;
  }
}
