import type { DataSource } from 'typeorm';
import { ACTIVE_EXECUTION_STATUSES, EXECUTION_STATUSES, TERMINAL_EXECUTION_STATUSES, type EventEnvelope, type ExecutionStatus } from '@mockops/pipeline-core';
import { decodeCursor, keysetPage, pageSize } from './cursor';
import { notFound, toExecution, toStepRun } from './mappers';
import type { CreatedExecution, ExecutionMatch, ExecutionRecord, ExecutionWithSteps, ListExecutionsQuery, Page } from './records';
import { type Row, SqlRunner, isoAt, sqlParams, UUID_RE, idOrNull, tableNames } from './sql';
import { StoreError } from './store-error';

/**
 * Executions: created with their step runs (one per pipeline and event), read, listed, moved between
 * statuses with compare-and-set updates, cancelled, re-run.
 */
export class ExecutionStore {
  private readonly t: { executions: string; stepRuns: string; keys: string };

  private readonly db: SqlRunner;

  constructor(ds: DataSource) {
    this.db = new SqlRunner(ds);
    this.t = tableNames(ds, { executions: 'executions', stepRuns: 'step_runs', keys: 'execution_keys' });
  }

  /**
   * Creates one execution per match (status queued) with all its step runs (pending), in one
   * statement (one round trip, one transaction). At most one execution exists per (pipeline, event
   * workspace, event id): a duplicate, also within the batch, returns the existing execution with
   * created=false. Results are in input order. `workspaceId` is the pipeline's owner.
   */
  async createExecutions(matches: ExecutionMatch[]): Promise<CreatedExecution[]> {
    if (matches.length === 0) return [];
    for (const m of matches) {
      if (!UUID_RE.test(m.pipelineId) || !UUID_RE.test(m.revisionId)) throw new StoreError('INVALID', 'pipelineId and revisionId must be uuids');
      if (!m.event || typeof m.event.id !== 'string' || !m.event.id || typeof m.event.type !== 'string') {
        throw new StoreError('INVALID', 'each match needs an event with an id and a type');
      }
    }
    const { executions, stepRuns, keys } = this.t;
    // Step runs of match i, for the execution this statement creates for it (the first match of a key owns them).
    const steps = { ord: [] as number[], index: [] as number[], name: [] as string[], type: [] as string[], max: [] as number[] };
    matches.forEach((m, i) =>
      m.steps.forEach((st, index) => {
        steps.ord.push(i + 1);
        steps.index.push(index);
        steps.name.push(st.name);
        steps.type.push(st.stepType);
        steps.max.push(Math.max(1, Math.floor(st.maxAttempts || 1)));
      }),
    );
    const rows = await this.db.sql(
      `WITH m AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::json[], $8::text[], $9::text[]) WITH ORDINALITY
           AS m(pipeline_id, revision_id, workspace_id, event_workspace_id, event_id, event_type, event, traceparent, trace_id, ord)
       ), firsts AS (
         SELECT DISTINCT ON (pipeline_id, event_workspace_id, event_id) * FROM m ORDER BY pipeline_id, event_workspace_id, event_id, ord
       ), keys AS (
         -- The event's key, unique in every month (executions is partitioned by month and cannot be).
         INSERT INTO ${keys} (pipeline_id, event_workspace_id, event_id)
         SELECT pipeline_id, event_workspace_id, event_id FROM firsts ORDER BY ord
         ON CONFLICT (pipeline_id, event_workspace_id, event_id) DO NOTHING
         RETURNING execution_id, created_at, pipeline_id, event_workspace_id, event_id
       ), ins AS (
         INSERT INTO ${executions} (id, created_at, pipeline_id, revision_id, workspace_id, event_workspace_id, event_id, event_type, event, traceparent, trace_id)
         SELECT k.execution_id, k.created_at, f.pipeline_id, f.revision_id, f.workspace_id, f.event_workspace_id, f.event_id, f.event_type, f.event, f.traceparent, f.trace_id
         FROM firsts f JOIN keys k ON k.pipeline_id = f.pipeline_id AND k.event_workspace_id = f.event_workspace_id AND k.event_id = f.event_id
         ORDER BY f.ord
         RETURNING *
       ), steps AS (
         INSERT INTO ${stepRuns} (execution_id, execution_created_at, step_index, step_name, step_type, max_attempts)
         SELECT i.id, i.created_at, s.step_index, s.step_name, s.step_type, s.max_attempts
         FROM unnest($10::int[], $11::int[], $12::text[], $13::text[], $14::int[]) AS s(ord, step_index, step_name, step_type, max_attempts)
         JOIN firsts f ON f.ord = s.ord
         JOIN ins i ON i.pipeline_id = f.pipeline_id AND i.event_workspace_id = f.event_workspace_id AND i.event_id = f.event_id
       )
       SELECT true AS created_now, ins.* FROM ins
       UNION ALL
       SELECT false AS created_now, e.* FROM ${keys} k
         JOIN firsts f ON k.pipeline_id = f.pipeline_id AND k.event_workspace_id = f.event_workspace_id AND k.event_id = f.event_id
         JOIN ${executions} e ON e.id = k.execution_id AND e.created_at = k.created_at`,
      [
        matches.map((m) => m.pipelineId),
        matches.map((m) => m.revisionId),
        matches.map((m) => m.workspaceId ?? null),
        matches.map((m) => m.event.workspace_id ?? ''),
        matches.map((m) => m.event.id),
        matches.map((m) => m.event.type),
        matches.map((m) => JSON.stringify(m.event)),
        matches.map((m) => m.traceparent ?? null),
        matches.map((m) => m.traceparent?.split('-')[1] ?? null),
        steps.ord,
        steps.index,
        steps.name,
        steps.type,
        steps.max,
      ],
    );
    // Producer event ids are unique per workspace: the same id from two workspaces is two events.
    const key = (pipelineId: string, eventWorkspace: string, eventId: string) => `${pipelineId}\u0000${eventWorkspace}\u0000${eventId}`;
    const keyOf = (m: ExecutionMatch) => key(m.pipelineId, m.event.workspace_id ?? '', m.event.id);
    // The statement's snapshot predates its own inserts, so the existing-row half only holds executions
    // committed before it; a created row wins over any stale copy.
    const byKey = new Map<string, Row>();
    for (const row of rows) {
      const k = key(row.pipeline_id, row.event_workspace_id, row.event_id);
      if (row.created_now || !byKey.has(k)) byKey.set(k, row);
    }
    // A duplicate another matcher committed while this statement waited on it: read it now.
    const missing = matches.filter((m) => !byKey.has(keyOf(m)));
    if (missing.length) {
      const late = await this.db.sql(
        `SELECT false AS created_now, e.* FROM ${keys} k
         JOIN unnest($1::uuid[], $2::text[], $3::text[]) AS m(pipeline_id, event_workspace_id, event_id)
           ON k.pipeline_id = m.pipeline_id AND k.event_workspace_id = m.event_workspace_id AND k.event_id = m.event_id
         JOIN ${executions} e ON e.id = k.execution_id AND e.created_at = k.created_at`,
        [missing.map((m) => m.pipelineId), missing.map((m) => m.event.workspace_id ?? ''), missing.map((m) => m.event.id)],
      );
      for (const row of late) byKey.set(key(row.pipeline_id, row.event_workspace_id, row.event_id), row);
    }
    const owned = new Set<string>();
    return matches.map((m) => {
      const row = byKey.get(keyOf(m));
      if (!row) throw new StoreError('CONFLICT', `execution for event ${m.event.id} vanished while it was being created`);
      // Only the first match of a key reports created=true.
      const created = Boolean(row.created_now) && !owned.has(row.id);
      owned.add(row.id);
      return { execution: toExecution(row), created };
    });
  }

  /**
   * The events executions were started by, once per event (workspace of the event, event id), queued
   * in [since, until), oldest first, at most `limit` and at most `maxBytes` of event JSON (the running
   * total is summed in Postgres, so the caller never receives more): what a backtest replays besides
   * the stream. `eventWorkspaceId` (a string) keeps only that workspace's events (the envelope's
   * workspace_id, or the payload's when the envelope has none, as the matcher reads it); null keeps
   * every event. `truncated`: a limit cut the list.
   */
  async listExecutionEvents(query: {
    since: Date;
    until: Date;
    eventWorkspaceId: string | null;
    limit: number;
    maxBytes: number;
  }): Promise<{ events: { event: EventEnvelope; queuedAt: string }[]; truncated: boolean }> {
    const rows = await this.db.sql(
      `SELECT event, queued_at, running > $5 AS over FROM (
         SELECT event, queued_at, event_workspace_id, event_id,
           sum(octet_length(event::text)) OVER (ORDER BY queued_at, event_workspace_id, event_id) AS running FROM (
           SELECT DISTINCT ON (event_workspace_id, event_id) event, queued_at, event_workspace_id, event_id FROM ${this.t.executions}
           WHERE queued_at >= $1 AND queued_at < $2
             AND ($3::text IS NULL OR event_workspace_id = $3 OR (event_workspace_id = '' AND event->'payload'->>'workspace_id' = $3))
           ORDER BY event_workspace_id, event_id, queued_at
         ) d
       ) r WHERE running - octet_length(event::text) <= $5
       ORDER BY queued_at, event_workspace_id, event_id LIMIT $4 + 1`,
      [query.since.toISOString(), query.until.toISOString(), query.eventWorkspaceId, query.limit, query.maxBytes],
    );
    const kept = rows.filter((r) => !r.over).slice(0, query.limit);
    return { events: kept.map((r) => ({ event: r.event as EventEnvelope, queuedAt: isoAt(r.queued_at) })), truncated: kept.length < rows.length };
  }

  /**
   * A stored event by its producer id: the event of the latest execution it started, once per event
   * workspace, newest first. `eventWorkspaceIds` (a list) keeps those workspaces' events only (the
   * envelope's workspace_id, else the payload's); null keeps all.
   */
  async findEvents(eventId: string, eventWorkspaceIds: string[] | null, limit = 10): Promise<EventEnvelope[]> {
    const rows = await this.db.sql(
      `SELECT event FROM (
         SELECT DISTINCT ON (event_workspace_id) event, queued_at FROM ${this.t.executions}
         WHERE event_id = $1
           AND ($2::text[] IS NULL OR event_workspace_id = ANY($2::text[])
                OR (event_workspace_id = '' AND event->'payload'->>'workspace_id' = ANY($2::text[])))
         ORDER BY event_workspace_id, queued_at DESC
       ) d ORDER BY queued_at DESC LIMIT $3`,
      [eventId, eventWorkspaceIds, limit],
    );
    return rows.map((r) => r.event as EventEnvelope);
  }

  /** How many executions are in each status (the gateway's `mockops_executions` gauge samples it). */
  async countExecutionsByStatus(): Promise<Record<string, number>> {
    const rows = await this.db.sql(`SELECT status, count(*)::int AS n FROM ${this.t.executions} GROUP BY status`);
    return Object.fromEntries(rows.map((r) => [r.status as string, r.n as number]));
  }

  /** An execution with its step runs ordered by step index, or null. */
  async getExecution(id: string): Promise<ExecutionWithSteps | null> {
    const [found] = await this.getExecutions([id]);
    return found ?? null;
  }

  /**
   * Several executions with their step runs (in the order asked; unknown ids left out), so a
   * redelivered event or a sweeper can plan what is still missing from the step states.
   */
  async getExecutions(ids: string[]): Promise<ExecutionWithSteps[]> {
    const valid = ids.filter((id) => UUID_RE.test(id));
    if (valid.length === 0) return [];
    const rows = await this.db.sql(`SELECT * FROM ${this.t.executions} WHERE id = ANY($1::uuid[])`, [valid]);
    const steps = await this.db.sql(`SELECT * FROM ${this.t.stepRuns} WHERE execution_id = ANY($1::uuid[]) ORDER BY step_index`, [valid]);
    const byId = new Map<string, ExecutionWithSteps>(rows.map((r) => [r.id, { ...toExecution(r), stepRuns: [] }]));
    for (const s of steps) byId.get(s.execution_id)?.stepRuns.push(toStepRun(s));
    return valid.map((id) => byId.get(id)).filter((e): e is ExecutionWithSteps => e !== undefined);
  }

  /** Executions newest first (by queued time), optionally of one pipeline and/or in some statuses. */
  async listExecutions(query: ListExecutionsQuery = {}): Promise<Page<ExecutionRecord>> {
    const limit = pageSize(query.limit);
    const where: string[] = [];
    const { params, param } = sqlParams();
    if (query.pipelineId !== undefined) {
      if (!UUID_RE.test(query.pipelineId)) return { items: [], nextCursor: null };
      where.push(`e.pipeline_id = ${param(query.pipelineId)}`);
    }
    if (query.status !== undefined) {
      const statuses = Array.isArray(query.status) ? query.status : [query.status];
      statuses.forEach(checkExecutionStatus);
      where.push(`e.status = ANY(${param(statuses)}::text[])`);
    }
    if (query.cursor) {
      const c = decodeCursor(query.cursor);
      where.push(`(e.queued_at, e.id) < (${param(c.at)}::timestamptz, ${param(c.id)}::uuid)`);
    }
    const rows = await this.db.sql(
      `SELECT e.*, to_jsonb(e.queued_at) #>> '{}' AS sort_key FROM ${this.t.executions} e
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY e.queued_at DESC, e.id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    return keysetPage(rows, limit, toExecution);
  }

  /** Ends an execution (succeeded, failed or cancelled) unless it already ended. */
  async finishExecution(executionId: string, status: ExecutionStatus, error?: string | null): Promise<boolean> {
    if (!TERMINAL_EXECUTION_STATUSES.includes(status)) throw new StoreError('INVALID', `${status} is not a final execution status`);
    const rows = await this.db.sql(
      `UPDATE ${this.t.executions} SET status = $2, error = $3, finished_at = now(), started_at = COALESCE(started_at, now())
       WHERE id = $1 AND status = ANY($4::text[]) RETURNING id`,
      [idOrNull(executionId), status, error ?? null, ACTIVE_EXECUTION_STATUSES],
    );
    return rows.length > 0;
  }

  /** Cancels a live execution and its pending or running step runs. NOT_FOUND, or CONFLICT when it already ended. */
  async cancelExecution(id: string): Promise<ExecutionWithSteps> {
    const { executions, stepRuns } = this.t;
    await this.db.tx(async (sql) => {
      const [e] = await sql(`SELECT status FROM ${executions} WHERE id = $1 FOR UPDATE`, [idOrNull(id)]);
      if (!e) throw notFound('execution', id);
      if (TERMINAL_EXECUTION_STATUSES.includes(e.status)) throw new StoreError('CONFLICT', `execution ${id} already ${e.status}`);
      await sql(`UPDATE ${executions} SET status = 'cancelled', finished_at = now() WHERE id = $1`, [id]);
      await sql(
        `UPDATE ${stepRuns} SET status = 'cancelled', finished_at = now(), lease_expires_at = NULL
         WHERE execution_id = $1 AND status IN ('pending', 'running')`,
        [id],
      );
    });
    const cancelled = await this.getExecution(id);
    if (!cancelled) throw notFound('execution', id);
    return cancelled;
  }

  /**
   * Runs a finished execution again on the same revision and event (GitHub Actions' "re-run all jobs"):
   * run_attempt + 1, every step run back to pending with its attempts, outputs and error cleared (logs
   * are kept). Compare-and-set on a terminal status: a running execution is a CONFLICT. The caller
   * then advances the execution to enqueue its first steps.
   *
   * `fromFailed` ("re-run failed jobs"): the steps that succeeded keep their status, outputs and logs
   * and are not run again; each records the run attempt it ran in (`reusedFromAttempt`, kept across
   * several re-runs). Only the others go back to pending. A CONFLICT when every step succeeded.
   */
  async rerunExecution(executionId: string, opts: { fromFailed?: boolean } = {}): Promise<ExecutionWithSteps> {
    if (!UUID_RE.test(executionId)) throw new StoreError('NOT_FOUND', `execution ${executionId} not found`);
    const fromFailed = opts.fromFailed === true;
    const outcome = await this.db.tx(async (sql) => {
      const [current] = await sql(`SELECT status, run_attempt FROM ${this.t.executions} WHERE id = $1 FOR UPDATE`, [executionId]);
      if (!current || !TERMINAL_EXECUTION_STATUSES.includes(current.status)) return 'not-finished';
      if (fromFailed) {
        const [left] = await sql(`SELECT count(*)::int AS n FROM ${this.t.stepRuns} WHERE execution_id = $1 AND status <> 'succeeded'`, [executionId]);
        if (left.n === 0) return 'nothing-failed';
      }
      await sql(
        `UPDATE ${this.t.executions} SET status = 'queued', run_attempt = run_attempt + 1, error = NULL,
           started_at = NULL, finished_at = NULL, queued_at = now()
         WHERE id = $1`,
        [executionId],
      );
      if (fromFailed) {
        await sql(
          `UPDATE ${this.t.stepRuns} SET reused_from_attempt = COALESCE(reused_from_attempt, $2::int)
           WHERE execution_id = $1 AND status = 'succeeded'`,
          [executionId, current.run_attempt ?? 1],
        );
      }
      await sql(
        `UPDATE ${this.t.stepRuns} SET status = 'pending', attempts = 0, outputs = NULL, progress = NULL, error = NULL, error_code = NULL, skip_reason = NULL,
           reused_from_attempt = NULL, lease_owner = NULL, lease_expires_at = NULL, started_at = NULL, finished_at = NULL, duration_ms = NULL
         WHERE execution_id = $1 ${fromFailed ? `AND status <> 'succeeded'` : ''}`,
        [executionId],
      );
      return 'ok';
    });
    const execution = await this.getExecution(executionId);
    if (!execution) throw new StoreError('NOT_FOUND', `execution ${executionId} not found`);
    if (outcome === 'not-finished') throw new StoreError('CONFLICT', `execution ${executionId} is ${execution.status}; only a finished execution can be re-run`);
    if (outcome === 'nothing-failed') throw new StoreError('CONFLICT', `every step of execution ${executionId} succeeded: nothing to re-run from; re-run it all instead`);
    return execution;
  }
}

function checkExecutionStatus(status: string): void {
  if (!EXECUTION_STATUSES.includes(status as ExecutionStatus)) throw new StoreError('INVALID', `unknown execution status ${status}`);
}
