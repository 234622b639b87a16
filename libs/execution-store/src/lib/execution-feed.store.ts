import type { DataSource } from 'typeorm';
import { EXECUTION_STATUSES, type ExecutionStatus } from '@mockops/pipeline-core';
import { decodeCursor, keysetPage, pageSize } from './cursor';
import { toExecution } from './mappers';
import type { ExecutionRecord, Page } from './records';
import { type Row, SqlRunner, UUID_RE, iso, isoAt, sqlParams, tableNames } from './sql';
import { StoreError } from './store-error';

/**
 * Who may see an execution, in SQL: the workspace that owns it, fixed at creation (its pipeline's
 * owner). The gateway applies the same rule to single executions (canSeeExecution in
 * @mockops/gateway-api); the feed's tests hold the two equal.
 */
const ACCESS_WORKSPACE = `e.workspace_id`;

export interface ExecutionFeedQuery {
  status?: ExecutionStatus | ExecutionStatus[];
  pipelineId?: string;
  /** The execution's workspace. */
  workspaceId?: string;
  eventType?: string;
  /** Only executions whose access workspace is one of these (scoped API keys); undefined: all. */
  visibleTo?: string[];
  limit?: number;
  cursor?: string | null;
}

export interface FeedExecution extends ExecutionRecord {
  pipelineName: string;
}

export interface PipelineRunSummary {
  pipelineId: string;
  total: number;
  counts: Record<ExecutionStatus, number>;
  /** succeeded / (succeeded + failed); null before any execution ended that way. */
  successRate: number | null;
  lastRun: { id: string; status: ExecutionStatus; queuedAt: string; finishedAt: string | null } | null;
}

export type StatsBucket = 'minute' | 'hour' | 'day';

export interface StatsPoint {
  /** Start of the bucket. */
  at: string;
  total: number;
  succeeded: number;
  failed: number;
  successRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
}

/**
 * Read models for the run view: executions across pipelines with filters, run summaries of a page
 * of pipelines in one query, and a pipeline's success rate and durations over time.
 */
export class ExecutionFeedStore {
  private readonly t: { pipelines: string; executions: string };

  private readonly db: SqlRunner;

  constructor(ds: DataSource) {
    this.db = new SqlRunner(ds);
    this.t = tableNames(ds, { pipelines: 'pipelines', executions: 'executions' });
  }

  /** Executions newest first (queued time), across pipelines, with keyset pagination. */
  async listExecutions(query: ExecutionFeedQuery = {}): Promise<Page<FeedExecution>> {
    const limit = pageSize(query.limit);
    const where: string[] = [];
    const { params, param } = sqlParams();
    if (query.pipelineId !== undefined) {
      if (!UUID_RE.test(query.pipelineId)) return { items: [], nextCursor: null };
      where.push(`e.pipeline_id = ${param(query.pipelineId)}`);
    }
    if (query.status !== undefined) {
      const statuses = Array.isArray(query.status) ? query.status : [query.status];
      for (const s of statuses) {
        if (!EXECUTION_STATUSES.includes(s)) throw new StoreError('INVALID', `unknown execution status ${s}`);
      }
      where.push(`e.status = ANY(${param(statuses)}::text[])`);
    }
    if (query.workspaceId !== undefined) where.push(`e.workspace_id = ${param(query.workspaceId)}`);
    if (query.eventType !== undefined) where.push(`e.event_type = ${param(query.eventType)}`);
    if (query.visibleTo !== undefined) where.push(`${ACCESS_WORKSPACE} = ANY(${param(query.visibleTo)}::text[])`);
    if (query.cursor) {
      const c = decodeCursor(query.cursor);
      where.push(`(e.queued_at, e.id) < (${param(c.at)}::timestamptz, ${param(c.id)}::uuid)`);
    }
    const rows = await this.db.sql(
      `SELECT e.*, p.name AS pipeline_name, to_jsonb(e.queued_at) #>> '{}' AS sort_key
       FROM ${this.t.executions} e JOIN ${this.t.pipelines} p ON p.id = e.pipeline_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY e.queued_at DESC, e.id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    return keysetPage(rows, limit, (r) => ({ ...toExecution(r), pipelineName: r.pipeline_name }));
  }

  /**
   * Counts, success rate and last run of each given live pipeline, in one query (the pipeline list
   * shows them for a whole page). Pipelines not found, deleted, or outside `visibleTo` are left out.
   */
  async pipelineSummaries(pipelineIds: string[], visibleTo?: string[]): Promise<PipelineRunSummary[]> {
    const ids = pipelineIds.filter((id) => UUID_RE.test(id));
    if (ids.length === 0) return [];
    const { executions, pipelines } = this.t;
    const rows = await this.db.sql(
      `SELECT p.id,
         (SELECT coalesce(jsonb_object_agg(status, n), '{}'::jsonb)
            FROM (SELECT status, count(*)::int AS n FROM ${executions} WHERE pipeline_id = p.id GROUP BY status) c) AS counts,
         (SELECT to_jsonb(l) FROM (
            SELECT id, status, queued_at, finished_at FROM ${executions} WHERE pipeline_id = p.id
            ORDER BY queued_at DESC, id DESC LIMIT 1) l) AS last_run
       FROM ${pipelines} p
       WHERE p.id = ANY($1::uuid[]) AND p.deleted_at IS NULL AND ($2::text[] IS NULL OR p.workspace_id = ANY($2::text[]))`,
      [ids, visibleTo ?? null],
    );
    const byId = new Map(rows.map((r) => [r.id as string, r]));
    return ids.flatMap((id) => {
      const r = byId.get(id);
      if (!r) return [];
      const counts = countsOf(r.counts);
      const last = r.last_run as Row | null;
      return [
        {
          pipelineId: id,
          total: Object.values(counts).reduce((a, b) => a + b, 0),
          counts,
          successRate: successRate(counts.succeeded, counts.failed),
          lastRun: last ? { id: last.id, status: last.status, queuedAt: isoAt(last.queued_at), finishedAt: iso(last.finished_at) } : null,
        },
      ];
    });
  }

  /**
   * A pipeline's executions grouped by queued time: counts, success rate and p50/p95 duration of
   * each bucket, oldest first, at most `points` buckets up to now. Without a bucket size, the one
   * that fits the pipeline's history: minutes for its first two hours, hours for a week, then days.
   */
  async statsTimeline(pipelineId: string, opts: { bucket?: StatsBucket; points?: number; now?: Date } = {}): Promise<{ bucket: StatsBucket; points: StatsPoint[] }> {
    if (!UUID_RE.test(pipelineId)) return { bucket: opts.bucket ?? 'hour', points: [] };
    const points = Math.min(Math.max(opts.points ?? 60, 1), 500);
    const now = opts.now ?? new Date();
    let bucket = opts.bucket;
    if (!bucket) {
      const [first] = await this.db.sql(`SELECT min(queued_at) AS first FROM ${this.t.executions} WHERE pipeline_id = $1`, [pipelineId]);
      const span = first?.first ? now.getTime() - new Date(first.first).getTime() : 0;
      bucket = span <= 2 * 3600_000 ? 'minute' : span <= 7 * 86400_000 ? 'hour' : 'day';
    }
    const rows = await this.db.sql(
      `WITH decided AS (
         SELECT date_trunc($2, queued_at) AS at, status,
                CASE WHEN status IN ('succeeded', 'failed') AND started_at IS NOT NULL AND finished_at IS NOT NULL
                     THEN extract(epoch FROM finished_at - started_at) * 1000 END AS ms
         FROM ${this.t.executions}
         WHERE pipeline_id = $1 AND queued_at > date_trunc($2, $3::timestamptz) - ($4::int - 1) * ('1 ' || $2)::interval
       )
       SELECT at, count(*)::int AS total,
              count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
              count(*) FILTER (WHERE status = 'failed')::int AS failed,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95
       FROM decided GROUP BY at ORDER BY at`,
      [pipelineId, bucket, now.toISOString(), points],
    );
    return {
      bucket,
      points: rows.map((r) => ({
        at: isoAt(r.at),
        total: r.total,
        succeeded: r.succeeded,
        failed: r.failed,
        successRate: successRate(r.succeeded, r.failed),
        p50Ms: r.p50 === null ? null : Math.round(Number(r.p50)),
        p95Ms: r.p95 === null ? null : Math.round(Number(r.p95)),
      })),
    };
  }
}

function countsOf(raw: Record<string, unknown> | null): Record<ExecutionStatus, number> {
  return Object.fromEntries(EXECUTION_STATUSES.map((s) => [s, Number(raw?.[s] ?? 0)])) as Record<ExecutionStatus, number>;
}

function successRate(succeeded: number, failed: number): number | null {
  return succeeded + failed ? succeeded / (succeeded + failed) : null;
}
