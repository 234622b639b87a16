import type { DataSource } from 'typeorm';
import { EXECUTION_STATUSES, type ExecutionStatus } from '@mockops/pipeline-core';
import { notFound } from './mappers';
import type { PipelineStats } from './records';
import { type Row, SqlRunner, UUID_RE, iso, isoAt, tableNames } from './sql';

/** Aggregates over executions, computed in SQL (the pipeline summary of the run view). */
export class StatsStore {
  private readonly t: { pipelines: string; executions: string };

  private readonly db: SqlRunner;

  constructor(ds: DataSource) {
    this.db = new SqlRunner(ds);
    this.t = tableNames(ds, { pipelines: 'pipelines', executions: 'executions' });
  }

  /** Counts by status, success rate and duration percentiles of a pipeline's executions, computed in SQL. */
  async pipelineStats(pipelineId: string): Promise<PipelineStats> {
    if (!UUID_RE.test(pipelineId)) throw notFound('pipeline', pipelineId);
    const [p] = await this.db.sql(`SELECT id FROM ${this.t.pipelines} WHERE id = $1`, [pipelineId]);
    if (!p) throw notFound('pipeline', pipelineId);
    const { executions } = this.t;
    const [row] = await this.db.sql(
      `SELECT
         (SELECT coalesce(jsonb_object_agg(status, n), '{}'::jsonb)
            FROM (SELECT status, count(*)::int AS n FROM ${executions} WHERE pipeline_id = $1 GROUP BY status) c) AS counts,
         d.p50, d.p95,
         (SELECT to_jsonb(l) FROM (
            SELECT id, status, queued_at, finished_at FROM ${executions} WHERE pipeline_id = $1
            ORDER BY queued_at DESC, id DESC LIMIT 1) l) AS last_run
       FROM (
         SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95
         FROM (SELECT extract(epoch FROM finished_at - started_at) * 1000 AS ms FROM ${executions}
               WHERE pipeline_id = $1 AND status IN ('succeeded', 'failed')
                 AND started_at IS NOT NULL AND finished_at IS NOT NULL) f
       ) d`,
      [pipelineId],
    );
    const counts = Object.fromEntries(EXECUTION_STATUSES.map((s) => [s, Number(row.counts[s] ?? 0)])) as Record<ExecutionStatus, number>;
    const decided = counts.succeeded + counts.failed;
    const last = row.last_run as Row | null;
    return {
      counts,
      success_rate: decided ? counts.succeeded / decided : null,
      p50_ms: row.p50 === null ? null : Math.round(Number(row.p50)),
      p95_ms: row.p95 === null ? null : Math.round(Number(row.p95)),
      last_run: last
        ? { id: last.id, status: last.status, queued_at: isoAt(last.queued_at), finished_at: iso(last.finished_at) }
        : null,
    };
  }
}
