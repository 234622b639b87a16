import { countPromotion } from '@mockops/telemetry';
import type { DataSource } from 'typeorm';
import { decodeCursor, keysetPage, pageSize } from '../cursor';
import type { Page } from '../records';
import { type Row, type Sql, SqlRunner, sqlParams, UUID_RE, iso, isoAt, tableNames } from '../sql';
import { StoreError } from '../store-error';
import type {
  EntityVersionRecord,
  ListPromotionsQuery,
  PromotionDecision,
  PromotionDecisionResult,
  PromotionRecord,
  PromotionRequest,
  PromotionRequestResult,
  PublishedVersion,
  RecordedVersion,
  WorkspaceEnvironments,
} from './promotion.records';
import { checkPromotionPath, validateEnvironmentOrder } from '@mockops/pipeline-core';
import { DEFAULT_ENVIRONMENTS, PromotionError, applyRule, isPromotableEntityType, isPromotionStatus } from './promotion-rules';

const MAX_TEXT = 500;
const MAX_COMMENTS = 4000;

/**
 * The promotion model in Postgres: environment orders, entity versions per environment and
 * promotions. A promotion is a compare-and-set inside one transaction: the source row is locked, the
 * target gets exactly the version the source holds, and the promotion row records the outcome. At
 * most one promotion exists per (execution, step), so a re-run returns the one it made before.
 */
export class PromotionStore {
  private readonly t: { environments: string; versions: string; promotions: string };

  private readonly db: SqlRunner;

  constructor(ds: DataSource) {
    this.db = new SqlRunner(ds);
    this.t = tableNames(ds, { environments: 'promotion_environments', versions: 'entity_versions', promotions: 'promotions' });
  }

  // ---------------------------------------------------------------- environments

  /** The workspace's promotion order (the default when it never set one). */
  async environmentOrder(workspaceId: string): Promise<{ environments: string[]; configured: boolean }> {
    return this.orderIn((text, params) => this.db.sql(text, params), workspaceId);
  }

  /** Sets the workspace's promotion order. Versions in environments left out stay recorded. */
  async setEnvironmentOrder(workspaceId: string, environments: unknown): Promise<string[]> {
    checkText('workspace_id', workspaceId);
    const names = applyRule(() => validateEnvironmentOrder(environments));
    await this.db.sql(
      `INSERT INTO ${this.t.environments} (workspace_id, environments, updated_at) VALUES ($1, $2::text[], now())
       ON CONFLICT (workspace_id) DO UPDATE SET environments = EXCLUDED.environments, updated_at = now()`,
      [workspaceId, names],
    );
    return names;
  }

  /** What version of what is where in a workspace. */
  async getEnvironments(workspaceId: string): Promise<WorkspaceEnvironments> {
    checkText('workspace_id', workspaceId);
    const { environments, configured } = await this.environmentOrder(workspaceId);
    const rows = await this.db.sql(
      `SELECT * FROM ${this.t.versions} WHERE workspace_id = $1
       ORDER BY array_position($2::text[], environment) NULLS LAST, environment, entity_type, entity_id`,
      [workspaceId, environments],
    );
    return { workspaceId, environments, configured, versions: rows.map(toVersion) };
  }

  /**
   * Records a published version in the environment the event names, else the first environment of the
   * workspace. Idempotent: the same event twice changes nothing, and an older event delivered late
   * never replaces a newer version.
   */
  async recordPublished(input: PublishedVersion): Promise<RecordedVersion> {
    checkText('workspace_id', input.workspaceId);
    checkEntity(input.entityType, input.entityId);
    checkText('version', input.version);
    checkText('event id', input.eventId);
    const occurredAt = new Date(input.occurredAt);
    if (Number.isNaN(occurredAt.getTime())) throw new StoreError('INVALID', `occurredAt is not a date: ${input.occurredAt}`);
    return this.db.tx(async (sql) => {
      const { environments } = await this.orderIn(sql, input.workspaceId);
      const environment = input.environment ?? environments[0];
      if (!environments.includes(environment)) {
        throw new PromotionError(
          'INVALID',
          'PROMOTION_UNKNOWN_ENVIRONMENT',
          `unknown environment "${environment}": workspace ${input.workspaceId} has ${environments.join(' → ')}`,
        );
      }
      const changed = await sql(
        `INSERT INTO ${this.t.versions} AS v (workspace_id, entity_type, entity_id, environment, version, promotion_id, event_id, effective_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7::timestamptz, now())
         ON CONFLICT (workspace_id, entity_type, entity_id, environment) DO UPDATE
           SET version = EXCLUDED.version, promotion_id = NULL, event_id = EXCLUDED.event_id,
               effective_at = EXCLUDED.effective_at, updated_at = now()
           WHERE v.event_id IS DISTINCT FROM EXCLUDED.event_id AND v.effective_at <= EXCLUDED.effective_at
         RETURNING version`,
        [input.workspaceId, input.entityType, input.entityId, environment, input.version, input.eventId, occurredAt.toISOString()],
      );
      if (changed[0]) return { environment, version: changed[0].version as string, changed: true };
      const [current] = await sql(
        `SELECT version FROM ${this.t.versions} WHERE workspace_id = $1 AND entity_type = $2 AND entity_id = $3 AND environment = $4`,
        [input.workspaceId, input.entityType, input.entityId, environment],
      );
      return { environment, version: current.version as string, changed: false };
    });
  }

  // ---------------------------------------------------------------- promotions

  /**
   * Asks for a promotion. Without approval it is applied at once (completed, or failed with the reason);
   * with approval it is stored pending for the version the source holds now. A request refused by the
   * rules (unknown environment, out of order, entity missing, version mismatch) is stored as failed
   * with its reason. The same (execution, step) returns its existing promotion; only a failed one is
   * evaluated again (the author may have fixed what was missing).
   */
  async requestPromotion(req: PromotionRequest): Promise<PromotionRequestResult> {
    const result = await this.evaluatePromotion(req);
    if (result.evaluated) countPromotion(result.promotion.status);
    return { promotion: result.promotion, created: result.created };
  }

  private async evaluatePromotion(req: PromotionRequest): Promise<PromotionRequestResult & { evaluated: boolean }> {
    checkRequest(req);
    const { promotions } = this.t;
    const byStep = req.executionId && req.stepName ? [req.executionId, req.stepName] : null;
    return this.db.tx(async (sql) => {
      const [existing] = byStep ? await sql(`SELECT * FROM ${promotions} WHERE execution_id = $1 AND step_name = $2 FOR UPDATE`, byStep) : [];
      if (existing && existing.status !== 'failed') return { promotion: toPromotion(existing), created: false, evaluated: false };

      let failure: PromotionError | null = null;
      let version: string | null = null;
      try {
        const { environments } = await this.orderIn(sql, req.workspaceId);
        applyRule(() => checkPromotionPath(environments, req.fromEnvironment, req.toEnvironment, req.allowSkip ?? false));
        const source = await this.lockVersion(sql, req.workspaceId, req.entityType, req.entityId, req.fromEnvironment);
        if (!source) throw missing(req.entityType, req.entityId, req.fromEnvironment, req.workspaceId);
        version = source.version;
        if (req.version != null && req.version !== source.version) {
          throw new PromotionError(
            'CONFLICT',
            'PROMOTION_VERSION_MISMATCH',
            `"${req.fromEnvironment}" holds version ${source.version} of ${req.entityType} ${req.entityId}, not version ${req.version}`,
          );
        }
      } catch (e) {
        if (!(e instanceof PromotionError)) throw e;
        failure = e;
      }

      const values = [
        req.workspaceId,
        req.entityType,
        req.entityId,
        version ?? req.version ?? null,
        req.fromEnvironment,
        req.toEnvironment,
        failure ? 'failed' : 'pending',
        req.requireApproval ?? false,
        req.comments ?? null,
        failure?.message ?? null,
        failure?.reason ?? null,
      ];
      let row: Row | undefined;
      if (existing) {
        [row] = await sql(
          `UPDATE ${promotions} SET workspace_id = $2, entity_type = $3, entity_id = $4, version = $5, from_environment = $6,
             to_environment = $7, status = $8, require_approval = $9, comments = $10, error = $11, error_code = $12,
             decided_by = NULL, decision_comments = NULL, decided_at = NULL, completed_at = NULL, updated_at = now()
           WHERE id = $1 RETURNING *`,
          [existing.id, ...values],
        );
      } else {
        [row] = await sql(
          `INSERT INTO ${promotions} (workspace_id, entity_type, entity_id, version, from_environment, to_environment, status,
             require_approval, comments, error, error_code, execution_id, step_name)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (execution_id, step_name) DO NOTHING RETURNING *`,
          [...values, req.executionId ?? null, req.stepName ?? null],
        );
        if (!row && byStep) {
          // Another delivery of the same step inserted it first: that one is ours too.
          const [other] = await sql(`SELECT * FROM ${promotions} WHERE execution_id = $1 AND step_name = $2`, byStep);
          return { promotion: toPromotion(other), created: false, evaluated: false };
        }
      }
      if (!row) throw new Error('promotion row vanished inside its transaction');
      if (!failure && !req.requireApproval) row = await this.apply(sql, row);
      return { promotion: toPromotion(row), created: !existing, evaluated: true };
    });
  }

  /**
   * Approves a pending promotion and applies it (completed, or failed when the source no longer holds
   * the version that was approved). Anything but pending is left alone: changed=false.
   */
  approve(id: string, decision: PromotionDecision = {}): Promise<PromotionDecisionResult> {
    return this.decide(id, 'approved', decision);
  }

  /** Rejects a pending promotion; anything but pending is left alone: changed=false. */
  reject(id: string, decision: PromotionDecision = {}): Promise<PromotionDecisionResult> {
    return this.decide(id, 'rejected', decision);
  }

  async getPromotion(id: string): Promise<PromotionRecord | null> {
    if (!UUID_RE.test(id)) return null;
    const [row] = await this.db.sql(`SELECT * FROM ${this.t.promotions} WHERE id = $1`, [id]);
    return row ? toPromotion(row) : null;
  }

  /** Promotions, newest first, with keyset pagination. */
  async listPromotions(query: ListPromotionsQuery = {}): Promise<Page<PromotionRecord>> {
    const limit = pageSize(query.limit);
    const where: string[] = [];
    const { params, param } = sqlParams();
    if (query.status !== undefined) {
      if (!isPromotionStatus(query.status)) throw new StoreError('INVALID', `unknown promotion status ${query.status}`);
      where.push(`status = ${param(query.status)}`);
    }
    if (query.workspaceId !== undefined) where.push(`workspace_id = ${param(query.workspaceId)}`);
    if (query.workspaceIds) where.push(`workspace_id = ANY(${param(query.workspaceIds)}::text[])`);
    if (query.entityType !== undefined) where.push(`entity_type = ${param(query.entityType)}`);
    if (query.entityId !== undefined) where.push(`entity_id = ${param(query.entityId)}`);
    if (query.executionId !== undefined) {
      if (!UUID_RE.test(query.executionId)) return { items: [], nextCursor: null };
      where.push(`execution_id = ${param(query.executionId)}::uuid`);
    }
    if (query.cursor) {
      const c = decodeCursor(query.cursor);
      where.push(`(created_at, id) < (${param(c.at)}::timestamptz, ${param(c.id)}::uuid)`);
    }
    const rows = await this.db.sql(
      `SELECT *, to_jsonb(created_at) #>> '{}' AS sort_key FROM ${this.t.promotions}
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    return keysetPage(rows, limit, toPromotion);
  }

  // ---------------------------------------------------------------- plumbing

  private async decide(id: string, status: 'approved' | 'rejected', decision: PromotionDecision): Promise<PromotionDecisionResult> {
    const result = await this.decideInTx(id, status, decision);
    if (result.changed) countPromotion(result.promotion.status);
    return result;
  }

  private async decideInTx(id: string, status: 'approved' | 'rejected', decision: PromotionDecision): Promise<PromotionDecisionResult> {
    if (decision.comments != null) checkText('comments', decision.comments, MAX_COMMENTS);
    if (decision.decidedBy != null) checkText('decided_by', decision.decidedBy);
    return this.db.tx(async (sql) => {
      const [row] = UUID_RE.test(id) ? await sql(`SELECT * FROM ${this.t.promotions} WHERE id = $1 FOR UPDATE`, [id]) : [];
      if (!row) throw new StoreError('NOT_FOUND', `promotion ${id} not found`);
      if (row.status !== 'pending') return { promotion: toPromotion(row), changed: false };
      let [decided] = await sql(
        `UPDATE ${this.t.promotions} SET status = $2, decided_by = $3, decision_comments = $4, decided_at = now(), updated_at = now()
         WHERE id = $1 RETURNING *`,
        [id, status, decision.decidedBy ?? null, decision.comments ?? null],
      );
      if (status === 'approved') decided = await this.apply(sql, decided);
      return { promotion: toPromotion(decided), changed: true };
    });
  }

  /** The compare-and-set: the target gets the promotion's version only if the source still holds it. */
  private async apply(sql: Sql, row: Row): Promise<Row> {
    const source = await this.lockVersion(sql, row.workspace_id, row.entity_type, row.entity_id, row.from_environment);
    let failure: PromotionError | null = null;
    if (!source) failure = missing(row.entity_type, row.entity_id, row.from_environment, row.workspace_id);
    else if (source.version !== row.version) {
      failure = new PromotionError(
        'CONFLICT',
        'PROMOTION_VERSION_MISMATCH',
        `"${row.from_environment}" now holds version ${source.version} of ${row.entity_type} ${row.entity_id}; this promotion was for version ${row.version}`,
      );
    }
    if (failure) {
      const [failed] = await sql(
        `UPDATE ${this.t.promotions} SET status = 'failed', error = $2, error_code = $3, updated_at = now() WHERE id = $1 RETURNING *`,
        [row.id, failure.message, failure.reason],
      );
      return failed;
    }
    await sql(
      `INSERT INTO ${this.t.versions} (workspace_id, entity_type, entity_id, environment, version, promotion_id, event_id, effective_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, NULL, now(), now())
       ON CONFLICT (workspace_id, entity_type, entity_id, environment) DO UPDATE
         SET version = EXCLUDED.version, promotion_id = EXCLUDED.promotion_id, event_id = NULL, effective_at = now(), updated_at = now()`,
      [row.workspace_id, row.entity_type, row.entity_id, row.to_environment, row.version, row.id],
    );
    const [completed] = await sql(
      `UPDATE ${this.t.promotions} SET status = 'completed', error = NULL, error_code = NULL, completed_at = now(), updated_at = now()
       WHERE id = $1 RETURNING *`,
      [row.id],
    );
    return completed;
  }

  private async lockVersion(sql: Sql, workspaceId: string, entityType: string, entityId: string, environment: string): Promise<Row | undefined> {
    const [row] = await sql(
      `SELECT * FROM ${this.t.versions} WHERE workspace_id = $1 AND entity_type = $2 AND entity_id = $3 AND environment = $4 FOR UPDATE`,
      [workspaceId, entityType, entityId, environment],
    );
    return row;
  }

  private async orderIn(sql: Sql, workspaceId: string): Promise<{ environments: string[]; configured: boolean }> {
    const [row] = await sql(`SELECT environments FROM ${this.t.environments} WHERE workspace_id = $1`, [workspaceId]);
    return row ? { environments: row.environments as string[], configured: true } : { environments: [...DEFAULT_ENVIRONMENTS], configured: false };
  }
}

function missing(entityType: string, entityId: string, environment: string, workspaceId: string): PromotionError {
  return new PromotionError(
    'INVALID',
    'PROMOTION_ENTITY_MISSING',
    `${entityType} ${entityId} is not in environment "${environment}" of workspace ${workspaceId}: nothing to promote`,
  );
}

function checkText(what: string, value: unknown, max = MAX_TEXT): void {
  if (typeof value !== 'string' || value.trim() === '') throw new StoreError('INVALID', `${what} must be a non-empty string`);
  if (value.length > max) throw new StoreError('INVALID', `${what} is longer than ${max} characters`);
}

function checkEntity(entityType: unknown, entityId: unknown): void {
  if (!isPromotableEntityType(entityType)) throw new StoreError('INVALID', `entity_type must be scenario, persona or config, got ${JSON.stringify(entityType)}`);
  checkText('entity_id', entityId);
}

function checkRequest(req: PromotionRequest): void {
  checkText('workspace_id', req.workspaceId);
  checkEntity(req.entityType, req.entityId);
  checkText('from_environment', req.fromEnvironment);
  checkText('to_environment', req.toEnvironment);
  if (req.version != null) checkText('version', req.version);
  if (req.comments != null) checkText('comments', req.comments, MAX_COMMENTS);
  if ((req.executionId == null) !== (req.stepName == null)) throw new StoreError('INVALID', 'executionId and stepName go together');
  if (req.executionId != null && !UUID_RE.test(req.executionId)) throw new StoreError('INVALID', 'executionId must be a uuid');
}

function toPromotion(r: Row): PromotionRecord {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    entityType: r.entity_type,
    entityId: r.entity_id,
    version: r.version,
    fromEnvironment: r.from_environment,
    toEnvironment: r.to_environment,
    status: r.status,
    requireApproval: r.require_approval,
    comments: r.comments,
    executionId: r.execution_id,
    stepName: r.step_name,
    decidedBy: r.decided_by,
    decisionComments: r.decision_comments,
    error: r.error,
    errorCode: r.error_code,
    createdAt: isoAt(r.created_at),
    updatedAt: isoAt(r.updated_at),
    decidedAt: iso(r.decided_at),
    completedAt: iso(r.completed_at),
  };
}

function toVersion(r: Row): EntityVersionRecord {
  return {
    workspaceId: r.workspace_id,
    entityType: r.entity_type,
    entityId: r.entity_id,
    environment: r.environment,
    version: r.version,
    promotionId: r.promotion_id,
    eventId: r.event_id,
    effectiveAt: isoAt(r.effective_at),
    updatedAt: isoAt(r.updated_at),
  };
}
