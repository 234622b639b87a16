import type { DataSource } from 'typeorm';
import { decodeCursor, keysetPage, pageSize } from './cursor';
import { notFound, toIndexed, toPipeline, toPipelineWithRevision, toRevision } from './mappers';
import type { IndexedPipelineRecord, ListPipelinesQuery, NewPipeline, NewRevision, Page, PipelineWithRevision, RevisionRecord, SourceFormat } from './records';
import { SqlRunner, sqlParams, UUID_RE, idOrNull, tableNames } from './sql';
import { StoreError, pgErrorOf } from './store-error';

const NAME_CONSTRAINT = 'uq_pipelines_workspace_name';
const SOURCE_FORMATS: readonly SourceFormat[] = ['yaml', 'json'];

/** Pipelines and their revisions: create, revise, enable, soft-delete, list, and what the matcher indexes. */
export class PipelineStore {
  private readonly t: { pipelines: string; revisions: string; executions: string; stepRuns: string };

  private readonly db: SqlRunner;

  constructor(ds: DataSource) {
    this.db = new SqlRunner(ds);
    this.t = tableNames(ds, { pipelines: 'pipelines', revisions: 'pipeline_revisions', executions: 'executions', stepRuns: 'step_runs' });
  }

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

  /**
   * Soft delete: the pipeline stops matching and frees its name; its executions and revisions stay
   * readable. In the same statement, its executions still waiting in a concurrency group are
   * cancelled (running ones finish); a waiting one never held its group, so no group is released.
   */
  async deletePipeline(id: string): Promise<void> {
    const { pipelines, executions, stepRuns } = this.t;
    const [row] = await this.db.sql(
      `WITH p AS (
         UPDATE ${pipelines} SET deleted_at = now(), updated_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING id
       ), w AS (
         UPDATE ${executions} SET status = 'cancelled', error = 'the pipeline was deleted while this execution waited in its concurrency group', finished_at = now()
         WHERE pipeline_id = (SELECT id FROM p) AND status = 'queued' AND concurrency_key IS NOT NULL
           AND concurrency_admitted IS DISTINCT FROM run_attempt
         RETURNING id
       ), s AS (
         UPDATE ${stepRuns} SET status = 'cancelled', finished_at = now() WHERE execution_id IN (SELECT id FROM w) AND status = 'pending' RETURNING id
       )
       SELECT (SELECT count(*) FROM p)::int AS deleted, (SELECT count(*) FROM s)::int AS steps`,
      [idOrNull(id)],
    );
    if (!row?.deleted) throw notFound('pipeline', id);
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

  private pipelineSelect(): string {
    return `SELECT p.*, to_jsonb(p.created_at) #>> '{}' AS sort_key,
              r.id AS r_id, r.pipeline_id AS r_pipeline_id, r.revision AS r_revision, r.document AS r_document,
              r.source_text AS r_source_text, r.source_format AS r_source_format, r.created_at AS r_created_at
            FROM ${this.t.pipelines} p JOIN ${this.t.revisions} r ON r.id = p.current_revision_id`;
  }
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
