import type { DataSource } from 'typeorm';
import { ACTIVE_EXECUTION_STATUSES } from '@mockops/pipeline-core';
import { toStepRun } from './mappers';
import type { AbandonedStepRun, StepCompletion, StepFailure, StepRunRecord } from './records';
import { SqlRunner, UUID_RE, idOrNull, json, tableNames } from './sql';
import { StoreError } from './store-error';

const durationMs = `(extract(epoch FROM now() - started_at) * 1000)::int`;

function parkedOwner(waitingFor: string): string {
  return `parked:${waitingFor}`;
}

/**
 * Step runs: every state change a worker relies on is a compare-and-set UPDATE under a lease, so a
 * duplicate job delivery or a late worker changes nothing.
 */
export class StepRunStore {
  private readonly t: { executions: string; stepRuns: string };

  private readonly db: SqlRunner;

  constructor(ds: DataSource) {
    this.db = new SqlRunner(ds);
    this.t = tableNames(ds, { executions: 'executions', stepRuns: 'step_runs' });
  }

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

  /**
   * Replaces what the step recorded as done so far, for the lease owner only (false when it lost the
   * lease): a later attempt of the same step run reads it back and skips what already happened.
   */
  async saveStepProgress(stepRunId: string, owner: string, progress: Record<string, unknown>): Promise<boolean> {
    const rows = await this.db.sql(
      `UPDATE ${this.t.stepRuns} SET progress = $3 WHERE id = $1 AND status = 'running' AND lease_owner = $2 RETURNING id`,
      [idOrNull(stepRunId), owner, json(progress)],
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

}

function checkLease(leaseMs: number): void {
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new StoreError('INVALID', 'leaseMs must be a positive number');
}
