import type { DataSource } from 'typeorm';
import type { ExecutionStatus } from '@mockops/pipeline-core';
import { toExecution, toStepRun } from './mappers';
import type { AbandonedStepRun, ExecutionRecord, StepCompletion, StepFailure, StepRunRecord } from './records';
import { type Row, SqlRunner, UUID_RE, idOrNull, json, tableNames } from './sql';
import { StoreError } from './store-error';

const durationMs = `(extract(epoch FROM now() - started_at) * 1000)::int`;

/**
 * The bounds of an execution's `created_at` as a job carries it (ISO, milliseconds; Postgres keeps
 * microseconds), one second either side: a filter on the partition key lets the planner read only
 * that month's partition (two at a month's edge) instead of probing every month's index. Null when
 * the caller does not know it (an older job): then every partition is probed, still correct.
 */
export function createdAtWindow(createdAt: string | null | undefined): [string, string] | null {
  if (!createdAt) return null;
  const t = Date.parse(createdAt);
  if (!Number.isFinite(t)) return null;
  return [new Date(t - 1000).toISOString(), new Date(t + 1000).toISOString()];
}

/** What the worker needs of each step run to render, run and plan (not logs, not rendered configs). */
const STEP_STATE_COLUMNS =
  'id, execution_id, step_index, step_name, step_type, status, attempts, max_attempts, outputs, progress, error, error_code, lease_owner, lease_expires_at, queued_at, started_at, finished_at, duration_ms';

/** A step run as claimAndLoad reads it: logs and rendered config left out. */
function toStepState(r: Row): StepRunRecord {
  return toStepRun({ ...r, logs: [], rendered_config: null });
}

/** The outcome of claimAndLoad. */
export interface ClaimedStep {
  execution: ExecutionRecord | null;
  /** Every step run of the execution by step index, the claimed one as claimed; logs and configs left out. */
  stepRuns: StepRunRecord[];
  claimed: StepRunRecord | null;
}

/**
 * What the worker decided the execution does after this outcome, applied in the same statement as the
 * outcome (one transaction): the pending steps to skip and, when the execution ends, its final status.
 */
export interface StepAdvance {
  skip: string[];
  /** Why each skipped step is skipped (pipeline-core's SkipReason), stored with it. */
  skipReasons?: Record<string, unknown>;
  /** Pending steps failed without running (their `if:` could not be evaluated): step name -> error. */
  fail?: Record<string, string>;
  finish?: { status: ExecutionStatus; error: string | null };
}

/** The decisions about pending steps a plan makes: skips with reasons, failures of undecidable conditions. */
export type StepDecisions = Pick<StepAdvance, 'skip' | 'skipReasons' | 'fail'>;

/** The error code of a step failed because its `if:` could not be evaluated. */
export const CONDITION_ERROR_CODE = 'CONDITION_ERROR';

/**
 * The SET clause that applies StepDecisions to pending step runs, with its three parameters: the step
 * names (skipped and failed), the reasons by name, the errors by name.
 */
function decisionSet(reasons: string, fail: string): string {
  return `status = CASE WHEN (${fail}::jsonb -> step_name) IS NULL THEN 'skipped' ELSE 'failed' END, finished_at = now(),
    skip_reason = ${reasons}::jsonb -> step_name, error = COALESCE(${fail}::jsonb ->> step_name, error),
    error_code = CASE WHEN (${fail}::jsonb -> step_name) IS NULL THEN error_code ELSE '${CONDITION_ERROR_CODE}' END`;
}

function decisionParams(d: StepDecisions): [string[], string, string] {
  const names = d.fail && Object.keys(d.fail).length ? [...d.skip, ...Object.keys(d.fail)] : d.skip;
  return [names, JSON.stringify(d.skipReasons ?? {}), JSON.stringify(d.fail ?? {})];
}

/** The result of recording an outcome: whether it was ours to record, and whether the execution ended. */
export interface OutcomeRecorded {
  recorded: boolean;
  finished: boolean;
}

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
   * (a crashed worker). Attempts +1, lease to `owner`; the execution moves to running. Null when
   * someone else holds it, it already ended, or the execution has ended.
   */
  async claimStepRun(executionId: string, stepName: string, opts: { owner: string; leaseMs: number }): Promise<StepRunRecord | null> {
    return (await this.claimAndLoad(executionId, stepName, opts)).claimed;
  }

  /**
   * The worker's first statement for a job, one round trip and one transaction: claims the step run
   * (as claimStepRun) and returns the execution and the state of all its step runs (without their logs
   * and configs), so the worker can render, run and plan without reading again. `claimed` is null
   * when the claim did not happen; the rest is still returned so the caller can tell why.
   */
  async claimAndLoad(executionId: string, stepName: string, opts: { owner: string; leaseMs: number; createdAt?: string | null }): Promise<ClaimedStep> {
    checkLease(opts.leaseMs);
    if (!UUID_RE.test(executionId)) return { execution: null, stepRuns: [], claimed: null };
    const { executions, stepRuns } = this.t;
    const month = createdAtWindow(opts.createdAt);
    const inMonth = month ? ` AND created_at >= $5::timestamptz AND created_at < $6::timestamptz` : '';
    const stepsInMonth = month ? ` AND execution_created_at >= $5::timestamptz AND execution_created_at < $6::timestamptz` : '';
    // The execution row is locked first, which orders claims against cancelExecution. The step runs
    // are read from the statement's snapshot (before the claim); the claimed row comes from RETURNING.
    const [row] = await this.db.sql(
      `WITH e AS (
         SELECT * FROM ${executions} WHERE id = $1${inMonth} FOR UPDATE
       ), c AS (
         UPDATE ${stepRuns} s SET status = 'running', attempts = s.attempts + 1, lease_owner = $3,
           lease_expires_at = now() + $4::float8 * interval '1 millisecond', started_at = COALESCE(s.started_at, now())
         FROM e
         WHERE s.execution_id = e.id AND s.execution_created_at = e.created_at${stepsInMonth.replaceAll('execution_created_at', 's.execution_created_at')}
           AND e.status IN ('queued', 'running', 'waiting') AND s.step_name = $2
           AND (s.status = 'pending' OR (s.status = 'running' AND s.lease_expires_at < now()))
         RETURNING s.${STEP_STATE_COLUMNS.replaceAll(', ', ', s.')}
       ), x AS (
         UPDATE ${executions} SET status = 'running', started_at = COALESCE(started_at, now())
         WHERE id = $1${inMonth} AND status <> 'running' AND EXISTS (SELECT 1 FROM c)
         RETURNING *
       )
       SELECT (SELECT row_to_json(x) FROM x) AS started, (SELECT row_to_json(e) FROM e) AS execution, (SELECT row_to_json(c) FROM c) AS claimed,
         (SELECT json_agg(r ORDER BY r.step_index) FROM (SELECT ${STEP_STATE_COLUMNS} FROM ${stepRuns} WHERE execution_id = $1${stepsInMonth}) r) AS runs`,
      [executionId, stepName, opts.owner, opts.leaseMs, ...(month ?? [])],
    );
    const execution = row?.started ?? row?.execution;
    if (!execution) return { execution: null, stepRuns: [], claimed: null };
    const claimed = row.claimed ? toStepState(row.claimed) : null;
    const runs = ((row.runs ?? []) as Row[]).map((r) => (claimed && r.id === claimed.id ? claimed : toStepState(r)));
    return { execution: toExecution(execution), stepRuns: runs, claimed };
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

  /**
   * running -> succeeded for the lease owner only; logs are appended. With `advance`, in the same
   * statement: the pending steps it names are skipped and, with `finish`, the execution ends (unless it
   * already did, e.g. cancelled meanwhile).
   */
  async completeStepRun(stepRunId: string, owner: string, result: StepCompletion, advance?: StepAdvance): Promise<boolean> {
    return (await this.completeAndAdvance(stepRunId, owner, result, advance)).recorded;
  }

  /**
   * completeStepRun, also saying whether the execution ended with it. `executionCreatedAt` (the
   * execution's createdAt, when known) keeps the statement on its month's partition.
   */
  async completeAndAdvance(stepRunId: string, owner: string, result: StepCompletion, advance?: StepAdvance, executionCreatedAt?: string | null): Promise<OutcomeRecorded> {
    return this.recordOutcome(
      `status = 'succeeded', outputs = $3::jsonb, rendered_config = $4::jsonb, logs = logs || $5::jsonb, error = NULL, error_code = NULL,
       lease_expires_at = NULL, finished_at = now(), duration_ms = ${durationMs}`,
      [idOrNull(stepRunId), owner, json(result.outputs ?? {}), json(result.renderedConfig), json(result.logs ?? [])],
      advance,
      executionCreatedAt,
    );
  }

  /**
   * One statement: `set` on the step run for its lease owner (compare-and-set), then, when that
   * happened and `advance` is given, the skips and the execution's end. Parameters $1 = step run id and
   * $2 = owner are the caller's; the advance's come after theirs.
   */
  private async recordOutcome(set: string, params: unknown[], advance?: StepAdvance, executionCreatedAt?: string | null): Promise<OutcomeRecorded> {
    const { executions, stepRuns } = this.t;
    const month = createdAtWindow(executionCreatedAt);
    // The month's bounds come last ($m, $m+1): the step-run updates and the execution's end read one partition.
    const m = params.length + (advance ? 6 : 1);
    const stepsInMonth = month ? ` AND execution_created_at >= $${m}::timestamptz AND execution_created_at < $${m + 1}::timestamptz` : '';
    const inMonth = month ? ` AND created_at >= $${m}::timestamptz AND created_at < $${m + 1}::timestamptz` : '';
    if (!advance) {
      const rows = await this.db.sql(`UPDATE ${stepRuns} SET ${set} WHERE id = $1${stepsInMonth} AND status = 'running' AND lease_owner = $2 RETURNING id`, [
        ...params,
        ...(month ?? []),
      ]);
      return { recorded: rows.length > 0, finished: false };
    }
    const n = params.length;
    const [names, reasons, fail] = decisionParams(advance);
    const [row] = await this.db.sql(
      `WITH d AS (
         UPDATE ${stepRuns} SET ${set} WHERE id = $1${stepsInMonth} AND status = 'running' AND lease_owner = $2 RETURNING execution_id
       ), s AS (
         UPDATE ${stepRuns} SET ${decisionSet(`$${n + 4}`, `$${n + 5}`)}
         WHERE execution_id = (SELECT execution_id FROM d)${stepsInMonth} AND step_name = ANY($${n + 1}::text[]) AND status = 'pending' RETURNING id
       ), f AS (
         UPDATE ${executions} SET status = $${n + 2}::text, error = $${n + 3}::text, finished_at = now()
         WHERE $${n + 2}::text IS NOT NULL AND id = (SELECT execution_id FROM d)${inMonth} AND status IN ('queued', 'running', 'waiting') RETURNING id
       )
       SELECT (SELECT count(*) FROM d)::int AS recorded, (SELECT count(*) FROM s)::int AS skipped, (SELECT count(*) FROM f)::int AS finished`,
      [...params, names, advance.finish?.status ?? null, advance.finish?.error ?? null, reasons, fail, ...(month ?? [])],
    );
    return { recorded: row.recorded > 0, finished: row.finished > 0 };
  }

  /**
   * For the lease owner only: willRetry puts the step run back to pending (attempts kept, lease
   * cleared, error recorded) for the next attempt; otherwise it is failed for good, and `advance`
   * (as for completeStepRun) is applied in the same statement.
   */
  async failStepRun(stepRunId: string, owner: string, result: StepFailure, advance?: StepAdvance): Promise<boolean> {
    return (await this.failAndAdvance(stepRunId, owner, result, result.willRetry ? undefined : advance)).recorded;
  }

  /** failStepRun, also saying whether the execution ended with it (`executionCreatedAt` as for completeAndAdvance). */
  async failAndAdvance(stepRunId: string, owner: string, result: StepFailure, advance?: StepAdvance, executionCreatedAt?: string | null): Promise<OutcomeRecorded> {
    const final = `status = 'failed', lease_expires_at = NULL, finished_at = now(), duration_ms = ${durationMs}`;
    const retry = `status = 'pending', lease_owner = NULL, lease_expires_at = NULL`;
    return this.recordOutcome(
      `${result.willRetry ? retry : final}, error = $3, error_code = $4, rendered_config = COALESCE($5::jsonb, rendered_config), logs = logs || $6::jsonb`,
      [
        idOrNull(stepRunId),
        owner,
        result.error,
        result.errorCode,
        result.renderedConfig === undefined ? null : json(result.renderedConfig),
        json(result.logs ?? []),
      ],
      result.willRetry ? undefined : advance,
      executionCreatedAt,
    );
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
  async skipStepRuns(executionId: string, stepNames: string[], reasons?: Record<string, unknown>): Promise<void> {
    await this.applyStepDecisions(executionId, { skip: stepNames, skipReasons: reasons });
  }

  /**
   * Applies a plan's decisions to pending step runs (compare-and-set on `pending`, so two advances
   * deciding the same thing change it once): skipped with their reasons, or failed with the error of
   * a condition that could not be evaluated.
   */
  async applyStepDecisions(executionId: string, decisions: StepDecisions): Promise<void> {
    const [names, reasons, fail] = decisionParams(decisions);
    if (names.length === 0 || !UUID_RE.test(executionId)) return;
    await this.db.sql(
      `UPDATE ${this.t.stepRuns} SET ${decisionSet('$3', '$4')}
       WHERE execution_id = $1 AND step_name = ANY($2::text[]) AND status = 'pending'`,
      [executionId, names, reasons, fail],
    );
  }

}

function checkLease(leaseMs: number): void {
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new StoreError('INVALID', 'leaseMs must be a positive number');
}
