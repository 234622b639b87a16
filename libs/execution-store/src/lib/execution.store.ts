import type { DataSource } from 'typeorm';
import { ACTIVE_EXECUTION_STATUSES, EXECUTION_STATUSES, TERMINAL_EXECUTION_STATUSES, type ExecutionStatus, type StepRunStatus } from '@mockops/pipeline-core';
import { decodeCursor, keysetPage, pageSize } from './cursor';
import type {
  CreatedExecution,
  ExecutionMatch,
  ExecutionRecord,
  ExecutionWithSteps,
  IndexedPipelineRecord,
  ListExecutionsQuery,
  ListPipelinesQuery,
  NewPipeline,
  NewRevision,
  Page,
  PipelineRecord,
  PipelineStats,
  PipelineWithRevision,
  RevisionRecord,
  SourceFormat,
  StepCompletion,
  StepFailure,
  StepRunRecord,
  AbandonedStepRun,
} from './records';
import { type Row, SqlRunner, sqlParams, UUID_RE, idOrNull, iso, isoAt, json, tableNames } from './sql';
import { StoreError, pgErrorOf } from './store-error';

const NAME_CONSTRAINT = 'uq_pipelines_workspace_name';
const SOURCE_FORMATS: readonly SourceFormat[] = ['yaml', 'json'];

/**
 * The Postgres execution store: pipelines and their revisions, executions and step runs.
 * Every state transition a worker relies on is a compare-and-set UPDATE, so a duplicate job
 * delivery or a late worker changes nothing. Plain class over a TypeORM DataSource (raw SQL).
 */
export class ExecutionStore {
  private readonly t: { pipelines: string; revisions: string; executions: string; stepRuns: string };

  private readonly db: SqlRunner;

  constructor(ds: DataSource) {
    this.db = new SqlRunner(ds);
    this.t = tableNames(ds, { pipelines: 'pipelines', revisions: 'pipeline_revisions', executions: 'executions', stepRuns: 'step_runs' });
  }

  // ---------------------------------------------------------------- pipelines

  /** Creates a pipeline and its revision 1 in one transaction. A live pipeline of that name in the same workspace: CONFLICT. */
  async createPipeline(input: NewPipeline): Promise<PipelineWithRevision> {
    checkName(input.name);
    checkSourceFormat(input.sourceFormat);
    const { pipelines, revisions } = this.t;
    return this.db.tx(async (sql) => {
      const [p] = await sql(
        `INSERT INTO ${pipelines} (name, workspace_id, enabled, current_revision_id, current_revision)
         VALUES ($1, $2, $3, gen_random_uuid(), 1) RETURNING *`,
        [input.name, input.workspaceId ?? null, input.enabled ?? true],
      ).catch(nameConflict(input.name));
      const [r] = await sql(
        `INSERT INTO ${revisions} (id, pipeline_id, revision, document, source_text, source_format)
         VALUES ($1, $2, 1, $3::jsonb, $4, $5) RETURNING *`,
        [p.current_revision_id, p.id, JSON.stringify(input.document), input.sourceText, input.sourceFormat],
      );
      return { ...toPipeline(p), revision: toRevision(r) };
    });
  }

  /**
   * Saves a new revision and makes it the pipeline's current one. Running executions stay pinned to
   * the revision they started on. Returns the pipeline with the new revision.
   */
  async addRevision(pipelineId: string, input: NewRevision): Promise<PipelineWithRevision> {
    if (input.name !== undefined) checkName(input.name);
    checkSourceFormat(input.sourceFormat);
    const { pipelines, revisions } = this.t;
    return this.db.tx(async (sql) => {
      // The row lock serializes concurrent saves so revision numbers never collide.
      const [current] = await sql(`SELECT * FROM ${pipelines} WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, [
        idOrNull(pipelineId),
      ]);
      if (!current) throw notFound('pipeline', pipelineId);
      const next = current.current_revision + 1;
      const [r] = await sql(
        `INSERT INTO ${revisions} (pipeline_id, revision, document, source_text, source_format)
         VALUES ($1, $2, $3::jsonb, $4, $5) RETURNING *`,
        [pipelineId, next, JSON.stringify(input.document), input.sourceText, input.sourceFormat],
      );
      const [p] = await sql(
        `UPDATE ${pipelines} SET current_revision_id = $2, current_revision = $3, name = COALESCE($4, name),
           enabled = COALESCE($5, enabled), updated_at = now()
         WHERE id = $1 RETURNING *`,
        [pipelineId, r.id, next, input.name ?? null, input.enabled ?? null],
      ).catch(nameConflict(input.name ?? current.name));
      return { ...toPipeline(p), revision: toRevision(r) };
    });
  }

  /** A live (not deleted) pipeline with its current revision, or null. */
  async getPipeline(id: string): Promise<PipelineWithRevision | null> {
    if (!UUID_RE.test(id)) return null;
    const rows = await this.db.sql(`${this.pipelineSelect()} WHERE p.id = $1 AND p.deleted_at IS NULL`, [id]);
    return rows[0] ? toPipelineWithRevision(rows[0]) : null;
  }

  /** Live pipelines, newest first, with keyset pagination. */
  async listPipelines(query: ListPipelinesQuery = {}): Promise<Page<PipelineWithRevision>> {
    const limit = pageSize(query.limit);
    const where = ['p.deleted_at IS NULL'];
    const { params, param } = sqlParams();
    if (query.workspaceId === null) where.push('p.workspace_id IS NULL');
    else if (query.workspaceId !== undefined) where.push(`p.workspace_id = ${param(query.workspaceId)}`);
    if (query.workspaceIds) where.push(`p.workspace_id = ANY(${param(query.workspaceIds)}::text[])`);
    if (query.enabled !== undefined) where.push(`p.enabled = ${param(query.enabled)}`);
    if (query.cursor) {
      const c = decodeCursor(query.cursor);
      where.push(`(p.created_at, p.id) < (${param(c.at)}::timestamptz, ${param(c.id)}::uuid)`);
    }
    const rows = await this.db.sql(
      `${this.pipelineSelect()} WHERE ${where.join(' AND ')} ORDER BY p.created_at DESC, p.id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    return keysetPage(rows, limit, toPipelineWithRevision);
  }

  async setPipelineEnabled(id: string, enabled: boolean): Promise<PipelineWithRevision> {
    const rows = await this.db.sql(
      `UPDATE ${this.t.pipelines} SET enabled = $2, updated_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [idOrNull(id), enabled],
    );
    const pipeline = rows[0] && (await this.getPipeline(id));
    if (!pipeline) throw notFound('pipeline', id);
    return pipeline;
  }

  /** Soft delete: the pipeline stops matching and frees its name; its executions and revisions stay readable. */
  async deletePipeline(id: string): Promise<void> {
    const rows = await this.db.sql(
      `UPDATE ${this.t.pipelines} SET deleted_at = now(), updated_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [idOrNull(id)],
    );
    if (!rows[0]) throw notFound('pipeline', id);
  }

  /** All revisions of a live pipeline, oldest first. */
  async listRevisions(pipelineId: string): Promise<RevisionRecord[]> {
    const [p] = await this.db.sql(`SELECT id FROM ${this.t.pipelines} WHERE id = $1 AND deleted_at IS NULL`, [idOrNull(pipelineId)]);
    if (!p) throw notFound('pipeline', pipelineId);
    const rows = await this.db.sql(`SELECT * FROM ${this.t.revisions} WHERE pipeline_id = $1 ORDER BY revision`, [pipelineId]);
    return rows.map(toRevision);
  }

  /** Any revision by id (also of a deleted pipeline: executions keep pointing at it), or null. */
  async getRevision(revisionId: string): Promise<RevisionRecord | null> {
    if (!UUID_RE.test(revisionId)) return null;
    const [r] = await this.db.sql(`SELECT * FROM ${this.t.revisions} WHERE id = $1`, [revisionId]);
    return r ? toRevision(r) : null;
  }

  /** Every enabled live pipeline at its current revision, for the matcher's index. */
  async loadEnabledPipelines(): Promise<IndexedPipelineRecord[]> {
    const rows = await this.db.sql(
      `SELECT p.id, p.name, p.workspace_id, r.id AS revision_id, r.document
       FROM ${this.t.pipelines} p JOIN ${this.t.revisions} r ON r.id = p.current_revision_id
       WHERE p.enabled AND p.deleted_at IS NULL ORDER BY p.created_at, p.id`,
    );
    return rows.map(toIndexed);
  }

  /** One pipeline as the matcher indexes it; null when it is missing, disabled or deleted. */
  async getIndexedPipeline(id: string): Promise<IndexedPipelineRecord | null> {
    if (!UUID_RE.test(id)) return null;
    const [row] = await this.db.sql(
      `SELECT p.id, p.name, p.workspace_id, r.id AS revision_id, r.document
       FROM ${this.t.pipelines} p JOIN ${this.t.revisions} r ON r.id = p.current_revision_id
       WHERE p.id = $1 AND p.enabled AND p.deleted_at IS NULL`,
      [id],
    );
    return row ? toIndexed(row) : null;
  }

  // ---------------------------------------------------------------- executions

  /**
   * Creates one execution per match (status queued) with all its step runs (pending), in one
   * transaction and one multi-row INSERT per table. At most one execution exists per
   * (pipeline, event workspace, event id): a duplicate, also within the batch, returns the existing
   * execution with created=false. Results are in input order. `workspaceId` is the pipeline's owner.
   */
  async createExecutions(matches: ExecutionMatch[]): Promise<CreatedExecution[]> {
    if (matches.length === 0) return [];
    for (const m of matches) {
      if (!UUID_RE.test(m.pipelineId) || !UUID_RE.test(m.revisionId)) throw new StoreError('INVALID', 'pipelineId and revisionId must be uuids');
      if (!m.event || typeof m.event.id !== 'string' || !m.event.id || typeof m.event.type !== 'string') {
        throw new StoreError('INVALID', 'each match needs an event with an id and a type');
      }
    }
    const { executions, stepRuns } = this.t;
    return this.db.tx(async (sql) => {
      const inserted = await sql(
        `INSERT INTO ${executions} (pipeline_id, revision_id, workspace_id, event_workspace_id, event_id, event_type, event, traceparent, trace_id)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::json[], $8::text[], $9::text[])
         ON CONFLICT (pipeline_id, event_workspace_id, event_id) DO NOTHING
         RETURNING *`,
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
        ],
      );
      // Producer event ids are unique per workspace: the same id from two workspaces is two events.
      const key = (pipelineId: string, eventWorkspace: string, eventId: string) => `${pipelineId}\u0000${eventWorkspace}\u0000${eventId}`;
      const keyOf = (m: ExecutionMatch) => key(m.pipelineId, m.event.workspace_id ?? '', m.event.id);
      const byKey = new Map<string, Row>();
      const createdIds = new Set<string>();
      for (const row of inserted) {
        byKey.set(key(row.pipeline_id, row.event_workspace_id, row.event_id), row);
        createdIds.add(row.id);
      }
      const missing = matches.filter((m) => !byKey.has(keyOf(m)));
      if (missing.length) {
        const existing = await sql(
          `SELECT e.* FROM ${executions} e
           JOIN unnest($1::uuid[], $2::text[], $3::text[]) AS k(pipeline_id, event_workspace_id, event_id)
             ON e.pipeline_id = k.pipeline_id AND e.event_workspace_id = k.event_workspace_id AND e.event_id = k.event_id`,
          [missing.map((m) => m.pipelineId), missing.map((m) => m.event.workspace_id ?? ''), missing.map((m) => m.event.id)],
        );
        for (const row of existing) byKey.set(key(row.pipeline_id, row.event_workspace_id, row.event_id), row);
      }

      // Step runs only for executions this call created; the first match of a key owns them.
      const steps = { executionId: [] as string[], index: [] as number[], name: [] as string[], type: [] as string[], max: [] as number[] };
      const results: CreatedExecution[] = [];
      for (const m of matches) {
        const row = byKey.get(keyOf(m));
        if (!row) throw new StoreError('CONFLICT', `execution for event ${m.event.id} vanished while it was being created`);
        const created = createdIds.delete(row.id);
        if (created) {
          m.steps.forEach((s, index) => {
            steps.executionId.push(row.id);
            steps.index.push(index);
            steps.name.push(s.name);
            steps.type.push(s.stepType);
            steps.max.push(Math.max(1, Math.floor(s.maxAttempts || 1)));
          });
        }
        results.push({ execution: toExecution(row), created });
      }
      if (steps.executionId.length) {
        await sql(
          `INSERT INTO ${stepRuns} (execution_id, step_index, step_name, step_type, max_attempts)
           SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::int[])`,
          [steps.executionId, steps.index, steps.name, steps.type, steps.max],
        );
      }
      return results;
    });
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

  /** Moves a live execution between queued, running and waiting; false when it already ended. */
  async setExecutionStatus(executionId: string, status: ExecutionStatus): Promise<boolean> {
    if (!ACTIVE_EXECUTION_STATUSES.includes(status)) throw new StoreError('INVALID', `use finishExecution for ${status}`);
    const rows = await this.db.sql(
      `UPDATE ${this.t.executions} SET status = $2,
         started_at = CASE WHEN $2 = 'queued' THEN started_at ELSE COALESCE(started_at, now()) END
       WHERE id = $1 AND status = ANY($3::text[]) RETURNING id`,
      [idOrNull(executionId), status, ACTIVE_EXECUTION_STATUSES],
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

  // ---------------------------------------------------------------- step runs

  /**
   * Compare-and-set claim: pending -> running, or re-claim of a running step whose lease expired
   * (a crashed worker). Attempts +1, lease to `owner`. In the same transaction the execution moves
   * to running. Null when someone else holds it, it already ended, or the execution has ended.
   */
  async claimStepRun(executionId: string, stepName: string, opts: { owner: string; leaseMs: number }): Promise<StepRunRecord | null> {
    checkLease(opts.leaseMs);
    if (!UUID_RE.test(executionId)) return null;
    const { executions, stepRuns } = this.t;
    return this.db.tx(async (sql) => {
      // Locking the execution row orders claims against cancelExecution.
      const [e] = await sql(`SELECT status FROM ${executions} WHERE id = $1 FOR UPDATE`, [executionId]);
      if (!e || !ACTIVE_EXECUTION_STATUSES.includes(e.status)) return null;
      const [s] = await sql(
        `UPDATE ${stepRuns} SET status = 'running', attempts = attempts + 1, lease_owner = $3,
           lease_expires_at = now() + $4::float8 * interval '1 millisecond', started_at = COALESCE(started_at, now())
         WHERE execution_id = $1 AND step_name = $2
           AND (status = 'pending' OR (status = 'running' AND lease_expires_at < now()))
         RETURNING *`,
        [executionId, stepName, opts.owner, opts.leaseMs],
      );
      if (!s) return null;
      if (e.status !== 'running') {
        await sql(`UPDATE ${executions} SET status = 'running', started_at = COALESCE(started_at, now()) WHERE id = $1`, [executionId]);
      }
      return toStepRun(s);
    });
  }

  /** Extends the lease of a step run this owner is running; false when it lost it. */
  async renewLease(stepRunId: string, owner: string, leaseMs: number): Promise<boolean> {
    checkLease(leaseMs);
    const rows = await this.db.sql(
      `UPDATE ${this.t.stepRuns} SET lease_expires_at = now() + $3::float8 * interval '1 millisecond'
       WHERE id = $1 AND status = 'running' AND lease_owner = $2 RETURNING id`,
      [idOrNull(stepRunId), owner, leaseMs],
    );
    return rows.length > 0;
  }

  /** running -> succeeded for the lease owner only; logs are appended. */
  async completeStepRun(stepRunId: string, owner: string, result: StepCompletion): Promise<boolean> {
    const rows = await this.db.sql(
      `UPDATE ${this.t.stepRuns} SET status = 'succeeded', outputs = $3::jsonb, rendered_config = $4::jsonb,
         logs = logs || $5::jsonb, error = NULL, error_code = NULL, lease_expires_at = NULL, finished_at = now(),
         duration_ms = ${durationMs}
       WHERE id = $1 AND status = 'running' AND lease_owner = $2 RETURNING id`,
      [idOrNull(stepRunId), owner, json(result.outputs ?? {}), json(result.renderedConfig), json(result.logs ?? [])],
    );
    return rows.length > 0;
  }

  /**
   * For the lease owner only: willRetry puts the step run back to pending (attempts kept, lease
   * cleared, error recorded) for the next attempt; otherwise it is failed for good.
   */
  async failStepRun(stepRunId: string, owner: string, result: StepFailure): Promise<boolean> {
    const final = `status = 'failed', lease_expires_at = NULL, finished_at = now(), duration_ms = ${durationMs}`;
    const retry = `status = 'pending', lease_owner = NULL, lease_expires_at = NULL`;
    const rows = await this.db.sql(
      `UPDATE ${this.t.stepRuns} SET ${result.willRetry ? retry : final}, error = $3, error_code = $4,
         rendered_config = COALESCE($5::jsonb, rendered_config), logs = logs || $6::jsonb
       WHERE id = $1 AND status = 'running' AND lease_owner = $2 RETURNING id`,
      [
        idOrNull(stepRunId),
        owner,
        result.error,
        result.errorCode,
        result.renderedConfig === undefined ? null : json(result.renderedConfig),
        json(result.logs ?? []),
      ],
    );
    return rows.length > 0;
  }

  /**
   * The handler started something that finishes later (a promotion waiting for approval): the step run
   * stays `running` but its lease never expires (no worker holds it, none can reclaim it), and the
   * execution shows `waiting`. `resolveParkedStepRun` ends it.
   */
  async parkStepRun(stepRunId: string, owner: string, park: StepCompletion & { waitingFor: string }): Promise<boolean> {
    return this.db.tx(async (sql) => {
      const rows = await sql(
        `UPDATE ${this.t.stepRuns} SET lease_owner = $3, lease_expires_at = 'infinity', outputs = $4::jsonb,
           rendered_config = $5::jsonb, logs = logs || $6::jsonb
         WHERE id = $1 AND status = 'running' AND lease_owner = $2 RETURNING execution_id`,
        [idOrNull(stepRunId), owner, parkedOwner(park.waitingFor), json(park.outputs ?? {}), json(park.renderedConfig), json(park.logs ?? [])],
      );
      if (rows.length === 0) return false;
      await sql(`UPDATE ${this.t.executions} SET status = 'waiting' WHERE id = $1 AND status IN ('queued', 'running')`, [
        (rows[0] as { execution_id: string }).execution_id,
      ]);
      return true;
    });
  }

  /**
   * Ends a parked step run (compare-and-set on what it waits for, so approving twice does nothing the
   * second time) and puts the execution back to running; the caller then advances the execution.
   */
  async resolveParkedStepRun(
    executionId: string,
    stepName: string,
    resolution: { waitingFor: string; outcome: 'succeeded' | 'failed'; outputs?: Record<string, unknown>; error?: string; errorCode?: string },
  ): Promise<boolean> {
    if (!UUID_RE.test(executionId)) return false;
    return this.db.tx(async (sql) => {
      const rows = await sql(
        `UPDATE ${this.t.stepRuns} SET status = $4, outputs = COALESCE(outputs, '{}'::jsonb) || COALESCE($5::jsonb, '{}'::jsonb),
           error = $6, error_code = $7, lease_owner = NULL, lease_expires_at = NULL, finished_at = now(), duration_ms = ${durationMs}
         WHERE execution_id = $1 AND step_name = $2 AND status = 'running' AND lease_owner = $3 RETURNING id`,
        [executionId, stepName, parkedOwner(resolution.waitingFor), resolution.outcome, json(resolution.outputs), resolution.error ?? null, resolution.errorCode ?? null],
      );
      if (rows.length === 0) return false;
      await sql(`UPDATE ${this.t.executions} SET status = 'running' WHERE id = $1 AND status = 'waiting'`, [executionId]);
      return true;
    });
  }

  /**
   * Runs a finished execution again on the same revision and event (GitHub Actions' "re-run all jobs"):
   * run_attempt + 1, every step run back to pending with its attempts, outputs and error cleared (logs
   * are kept). Compare-and-set on a terminal status: a running execution is a CONFLICT. The caller
   * then advances the execution to enqueue its first steps.
   */
  async rerunExecution(executionId: string): Promise<ExecutionWithSteps> {
    if (!UUID_RE.test(executionId)) throw new StoreError('NOT_FOUND', `execution ${executionId} not found`);
    const updated = await this.db.tx(async (sql) => {
      const rows = await sql(
        `UPDATE ${this.t.executions} SET status = 'queued', run_attempt = run_attempt + 1, error = NULL,
           started_at = NULL, finished_at = NULL, queued_at = now()
         WHERE id = $1 AND status IN ('succeeded', 'failed', 'cancelled') RETURNING id`,
        [executionId],
      );
      if (rows.length === 0) return false;
      await sql(
        `UPDATE ${this.t.stepRuns} SET status = 'pending', attempts = 0, outputs = NULL, error = NULL, error_code = NULL,
           lease_owner = NULL, lease_expires_at = NULL, started_at = NULL, finished_at = NULL, duration_ms = NULL
         WHERE execution_id = $1`,
        [executionId],
      );
      return true;
    });
    const execution = await this.getExecution(executionId);
    if (!execution) throw new StoreError('NOT_FOUND', `execution ${executionId} not found`);
    if (!updated) throw new StoreError('CONFLICT', `execution ${executionId} is ${execution.status}; only a finished execution can be re-run`);
    return execution;
  }

  /**
   * Step runs left `running` whose lease expired more than `graceMs` ago (not parked): the worker
   * that held them died or gave up, and no live job may be left to pick them up. The reconciler
   * looks at their jobs and either queues them again or fails them for good.
   */
  async findAbandonedStepRuns(stepTypes: readonly string[], graceMs: number, limit = 100): Promise<AbandonedStepRun[]> {
    const rows = await this.db.sql(
      `SELECT s.id, s.execution_id, s.step_name, s.step_index, s.step_type, s.attempts, s.max_attempts, s.lease_owner, e.run_attempt
       FROM ${this.t.stepRuns} s JOIN ${this.t.executions} e ON e.id = s.execution_id
       WHERE s.status = 'running' AND s.step_type = ANY($1::text[])
         AND s.lease_expires_at < now() - $2::float8 * interval '1 millisecond'
         AND (s.lease_owner IS NULL OR s.lease_owner NOT LIKE 'parked:%')
       ORDER BY s.lease_expires_at LIMIT $3`,
      [[...stepTypes], graceMs, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      executionId: r.execution_id,
      stepName: r.step_name,
      stepIndex: r.step_index,
      stepType: r.step_type,
      attempts: r.attempts,
      maxAttempts: r.max_attempts,
      runAttempt: r.run_attempt ?? 1,
    }));
  }

  /**
   * Ends an abandoned step run: back to pending for another attempt, or failed for good. A
   * compare-and-set on the run still being `running` with an expired lease, so it never takes a
   * step from a worker that holds it.
   */
  async settleAbandonedStepRun(stepRunId: string, outcome: { retry: boolean; error: string; errorCode: string }): Promise<boolean> {
    const set = outcome.retry
      ? `status = 'pending', lease_owner = NULL, lease_expires_at = NULL`
      : `status = 'failed', lease_expires_at = NULL, finished_at = now(), duration_ms = ${durationMs}`;
    const rows = await this.db.sql(
      `UPDATE ${this.t.stepRuns} SET ${set}, error = $2, error_code = $3
       WHERE id = $1 AND status = 'running' AND lease_expires_at < now() AND (lease_owner IS NULL OR lease_owner NOT LIKE 'parked:%')
       RETURNING id`,
      [idOrNull(stepRunId), outcome.error, outcome.errorCode],
    );
    return rows.length > 0;
  }

  /** Marks pending step runs skipped (a step failed before them, or a condition left them out). */
  async skipStepRuns(executionId: string, stepNames: string[]): Promise<void> {
    if (stepNames.length === 0 || !UUID_RE.test(executionId)) return;
    await this.db.sql(
      `UPDATE ${this.t.stepRuns} SET status = 'skipped', finished_at = now()
       WHERE execution_id = $1 AND step_name = ANY($2::text[]) AND status = 'pending'`,
      [executionId, stepNames],
    );
  }

  /** Status and attempts of each step run of an execution, by step name. */
  async getStepStates(executionId: string): Promise<Record<string, { status: StepRunStatus; attempts: number }>> {
    if (!UUID_RE.test(executionId)) return {};
    const rows = await this.db.sql(
      `SELECT step_name, status, attempts FROM ${this.t.stepRuns} WHERE execution_id = $1 ORDER BY step_index`,
      [executionId],
    );
    return Object.fromEntries(rows.map((r) => [r.step_name, { status: r.status, attempts: r.attempts }]));
  }

  // ---------------------------------------------------------------- stats

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

  // ---------------------------------------------------------------- plumbing

  private pipelineSelect(): string {
    return `SELECT p.*, to_jsonb(p.created_at) #>> '{}' AS sort_key,
              r.id AS r_id, r.pipeline_id AS r_pipeline_id, r.revision AS r_revision, r.document AS r_document,
              r.source_text AS r_source_text, r.source_format AS r_source_format, r.created_at AS r_created_at
            FROM ${this.t.pipelines} p JOIN ${this.t.revisions} r ON r.id = p.current_revision_id`;
  }
}

const durationMs = `(extract(epoch FROM now() - started_at) * 1000)::int`;

function parkedOwner(waitingFor: string): string {
  return `parked:${waitingFor}`;
}

function notFound(what: string, id: string): StoreError {
  return new StoreError('NOT_FOUND', `${what} ${id} not found`);
}

function nameConflict(name: string) {
  return (e: unknown): never => {
    const pg = pgErrorOf(e);
    if (pg.code === '23505' && pg.constraint === NAME_CONSTRAINT) {
      throw new StoreError('CONFLICT', `a pipeline named "${name}" already exists in this workspace`);
    }
    throw e;
  };
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.trim() === '') throw new StoreError('INVALID', 'pipeline name must be a non-empty string');
}

function checkSourceFormat(format: string): void {
  if (!SOURCE_FORMATS.includes(format as SourceFormat)) throw new StoreError('INVALID', `source format must be yaml or json, got ${format}`);
}

function checkExecutionStatus(status: string): void {
  if (!EXECUTION_STATUSES.includes(status as ExecutionStatus)) throw new StoreError('INVALID', `unknown execution status ${status}`);
}

function checkLease(leaseMs: number): void {
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new StoreError('INVALID', 'leaseMs must be a positive number');
}

function toPipeline(r: Row): PipelineRecord {
  return {
    id: r.id,
    name: r.name,
    workspaceId: r.workspace_id,
    enabled: r.enabled,
    currentRevisionId: r.current_revision_id,
    currentRevision: r.current_revision,
    createdAt: isoAt(r.created_at),
    updatedAt: isoAt(r.updated_at),
    deletedAt: iso(r.deleted_at),
  };
}

function toRevision(r: Row): RevisionRecord {
  return {
    id: r.id,
    pipelineId: r.pipeline_id,
    revision: r.revision,
    document: r.document,
    sourceText: r.source_text,
    sourceFormat: r.source_format,
    createdAt: isoAt(r.created_at),
  };
}

function toPipelineWithRevision(r: Row): PipelineWithRevision {
  return {
    ...toPipeline(r),
    revision: toRevision({
      id: r.r_id,
      pipeline_id: r.r_pipeline_id,
      revision: r.r_revision,
      document: r.r_document,
      source_text: r.r_source_text,
      source_format: r.r_source_format,
      created_at: r.r_created_at,
    }),
  };
}

function toIndexed(r: Row): IndexedPipelineRecord {
  return { id: r.id, name: r.name, workspaceId: r.workspace_id, revisionId: r.revision_id, document: r.document };
}

export function toExecution(r: Row): ExecutionRecord {
  return {
    id: r.id,
    pipelineId: r.pipeline_id,
    revisionId: r.revision_id,
    workspaceId: r.workspace_id,
    eventId: r.event_id,
    eventType: r.event_type,
    event: r.event,
    status: r.status,
    runAttempt: r.run_attempt ?? 1,
    traceId: r.trace_id ?? null,
    traceparent: r.traceparent ?? null,
    error: r.error,
    queuedAt: isoAt(r.queued_at),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  };
}

function toStepRun(r: Row): StepRunRecord {
  return {
    id: r.id,
    executionId: r.execution_id,
    stepIndex: r.step_index,
    stepName: r.step_name,
    stepType: r.step_type,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    renderedConfig: r.rendered_config,
    outputs: r.outputs,
    logs: r.logs ?? [],
    error: r.error,
    errorCode: r.error_code,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: iso(r.lease_expires_at),
    queuedAt: isoAt(r.queued_at),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    durationMs: r.duration_ms,
  };
}
