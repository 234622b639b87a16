import type { DataSource } from 'typeorm';
import { ACTIVE_EXECUTION_STATUSES, DEFAULT_MAX_QUEUED, admitToGroup, compareOrder, releaseGroup, type ConcurrencyGroupState, type ConcurrencyRun } from '@mockops/pipeline-core';
import { type Row, type Sql, SqlRunner, UUID_RE, tableNames } from './sql';

/** Admitting an execution to its concurrency group. */
export interface AdmitRequest {
  /** On its first admission (the matcher): the group's scoped key, its rendered name and the event's `[ms, seq]`. */
  group?: { key: string; name: string; order: number[] };
  cancelInProgress: boolean;
  /** Waiting executions a group may hold (pipeline-core's default, 1,000). */
  maxQueued?: number;
}

/** What a group decision did. */
export interface GroupOutcome {
  /** What happened to the execution admitted: started, waits, cancelled, or nothing (no group, already decided, ended). */
  run: 'start' | 'wait' | 'cancel' | 'none';
  /** Executions the group lets start now (their first steps are to be dispatched). */
  started: string[];
  /** Executions cancelled by the decision, with the reason recorded as their error (and whose they are, for live views). */
  cancelled: { executionId: string; reason: string; pipelineId?: string; workspaceId?: string | null }[];
}

const NONE: GroupOutcome = { run: 'none', started: [], cancelled: [] };

/**
 * Concurrency groups (docs/language.md "Concurrency"), kept on the executions' rows: an execution
 * joins its group's queue with an admission decision (pipeline-core `admitToGroup`), and holds the
 * group while the run attempt it was admitted for is active. The holder is derived from the
 * execution's status, so whatever ends an execution (a worker's last step, a cancel, a reconciler)
 * releases its group in that same statement; starting the next one is a separate, idempotent step
 * (`releaseConcurrencyGroup`), which a sweeper repeats for groups left with no holder.
 * Every decision on a group runs under a transaction-scoped advisory lock on its key, so matchers
 * and workers on any host decide one at a time. Keys are scoped to the pipeline's owner
 * (pipeline-core `concurrencyGroupKey`): a workspace cannot reach another's group.
 */
export class ConcurrencyStore {
  private readonly t: { executions: string; stepRuns: string };

  private readonly db: SqlRunner;

  constructor(ds: DataSource) {
    this.db = new SqlRunner(ds);
    this.t = tableNames(ds, { executions: 'executions', stepRuns: 'step_runs' });
  }

  /**
   * Puts an execution in its group's queue, for its current run attempt, and applies the decision:
   * it starts, waits, or is cancelled; with `cancelInProgress` the running one (and a waiting one) is
   * cancelled and the newest starts. Idempotent: an execution that already joined for this attempt
   * changes nothing (the group is still filled if it has no holder).
   */
  async admitToConcurrencyGroup(executionId: string, req: AdmitRequest): Promise<GroupOutcome> {
    if (!UUID_RE.test(executionId)) return NONE;
    const [e] = await this.db.sql(`SELECT concurrency_key FROM ${this.t.executions} WHERE id = $1`, [executionId]);
    const key: string | undefined = e?.concurrency_key ?? req.group?.key;
    if (!key) return NONE;
    return this.db.tx(async (sql) => {
      await lockGroup(sql, key);
      const [me] = await sql(
        `SELECT id, status, run_attempt, concurrency_joined, concurrency_admitted, (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now_ms
         FROM ${this.t.executions} WHERE id = $1`,
        [executionId],
      );
      if (!me || !ACTIVE_EXECUTION_STATUSES.includes(me.status)) return NONE;
      if (me.concurrency_joined === me.run_attempt) {
        const filled = await this.fill(sql, key);
        const run = me.concurrency_admitted === me.run_attempt || filled.includes(executionId) ? 'start' : 'wait';
        return { run, started: filled, cancelled: [] };
      }
      // The event's position on the stream; a re-run queues as if its event arrived now.
      const order = me.run_attempt === 1 && req.group ? req.group.order : [Number(me.now_ms), 0];
      const rows = (await this.groupRows(sql, key)).filter((r) => r.id !== executionId);
      const decision = admitToGroup(stateOf(rows), { executionId, order }, { cancelInProgress: req.cancelInProgress, maxQueued: req.maxQueued ?? DEFAULT_MAX_QUEUED });
      await sql(
        `UPDATE ${this.t.executions} SET concurrency_key = $2, concurrency_group = COALESCE($3, concurrency_group), concurrency_order = $4::bigint[],
           concurrency_joined = run_attempt
         WHERE id = $1`,
        [executionId, key, req.group?.name ?? null, order],
      );
      let state = decision.state;
      const started = [...decision.start];
      const cancelled: GroupOutcome['cancelled'] = [];
      for (const c of decision.cancel) {
        const owner = await this.cancel(sql, c.executionId, c.reason);
        if (owner) cancelled.push({ ...c, ...owner });
        // A cancelled holder has ended: the group passes to the next in line at once.
        if (state.holder?.executionId === c.executionId) {
          const released = releaseGroup(state, c.executionId);
          state = released.state;
          started.push(...released.start);
        }
      }
      return { run: decision.run ?? 'none', started: await this.markStarted(sql, started), cancelled };
    });
  }

  /**
   * Starts the first waiting execution of the execution's group when nothing holds it (the holder
   * ended). Idempotent: a group with a live holder, or nothing waiting, is left as it is.
   */
  async releaseConcurrencyGroup(executionId: string): Promise<string[]> {
    if (!UUID_RE.test(executionId)) return [];
    const [e] = await this.db.sql(`SELECT concurrency_key FROM ${this.t.executions} WHERE id = $1`, [executionId]);
    if (!e?.concurrency_key) return [];
    return this.releaseConcurrencyKey(e.concurrency_key);
  }

  async releaseConcurrencyKey(key: string): Promise<string[]> {
    return this.db.tx(async (sql) => {
      await lockGroup(sql, key);
      return this.fill(sql, key);
    });
  }

  /**
   * Work a crash may have left behind, for the sweeper: groups with executions waiting and no holder
   * (the finishing process died before starting the next), and executions the group let start whose
   * first steps may never have been enqueued, or re-runs never admitted, older than `graceMs`.
   */
  async findConcurrencyWork(graceMs: number, limit = 100): Promise<{ idleKeys: string[]; stalled: string[] }> {
    const { executions } = this.t;
    const idle = await this.db.sql(
      `SELECT DISTINCT w.concurrency_key AS key FROM ${executions} w
       WHERE w.concurrency_key IS NOT NULL AND w.status = 'queued' AND w.concurrency_joined = w.run_attempt
         AND w.concurrency_admitted IS DISTINCT FROM w.run_attempt
         AND NOT EXISTS (SELECT 1 FROM ${executions} h WHERE h.concurrency_key = w.concurrency_key
           AND h.status IN ('queued', 'running', 'waiting') AND h.concurrency_admitted = h.run_attempt)
       LIMIT $1`,
      [limit],
    );
    const stalled = await this.db.sql(
      `SELECT id FROM ${executions}
       WHERE concurrency_key IS NOT NULL AND status = 'queued'
         AND ((concurrency_admitted = run_attempt AND concurrency_admitted_at < now() - $1::float8 * interval '1 millisecond')
           OR (concurrency_joined IS DISTINCT FROM run_attempt AND queued_at < now() - $1::float8 * interval '1 millisecond'))
       ORDER BY queued_at LIMIT $2`,
      [graceMs, limit],
    );
    return { idleKeys: idle.map((r) => r.key as string), stalled: stalled.map((r) => r.id as string) };
  }

  /**
   * How many of these events' executions exist and have joined their group (or already ended): the
   * matcher waits for older events another replica is admitting, so a group follows the stream order.
   */
  async countJoinedExecutions(events: { pipelineId: string; eventWorkspaceId: string; eventId: string }[]): Promise<number> {
    const valid = events.filter((e) => UUID_RE.test(e.pipelineId));
    if (valid.length === 0) return 0;
    const [row] = await this.db.sql(
      `SELECT count(*)::int AS n FROM ${this.t.executions} e
       JOIN unnest($1::uuid[], $2::text[], $3::text[]) AS k(pipeline_id, event_workspace_id, event_id)
         ON e.pipeline_id = k.pipeline_id AND e.event_workspace_id = k.event_workspace_id AND e.event_id = k.event_id
       WHERE e.concurrency_joined IS NOT NULL OR e.status NOT IN ('queued', 'running', 'waiting')`,
      [valid.map((e) => e.pipelineId), valid.map((e) => e.eventWorkspaceId), valid.map((e) => e.eventId)],
    );
    return (row?.n as number) ?? 0;
  }

  /** Fails an execution that cannot start (its group could not be rendered): its steps are skipped. */
  async failUnstartedExecution(executionId: string, error: string): Promise<boolean> {
    if (!UUID_RE.test(executionId)) return false;
    return this.db.tx(async (sql) => {
      const rows = await sql(
        `UPDATE ${this.t.executions} SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status = 'queued' RETURNING id`,
        [executionId, error],
      );
      if (rows.length === 0) return false;
      await sql(`UPDATE ${this.t.stepRuns} SET status = 'skipped', finished_at = now() WHERE execution_id = $1 AND status = 'pending'`, [executionId]);
      return true;
    });
  }

  /** The group's active executions (the caller holds the group's lock). */
  private groupRows(sql: Sql, key: string): Promise<Row[]> {
    return sql(
      `SELECT id, run_attempt, concurrency_order, concurrency_joined, concurrency_admitted FROM ${this.t.executions}
       WHERE concurrency_key = $1 AND status IN ('queued', 'running', 'waiting')`,
      [key],
    );
  }

  /** Without a holder, the first waiting execution starts. */
  private async fill(sql: Sql, key: string): Promise<string[]> {
    const state = stateOf(await this.groupRows(sql, key));
    if (state.holder || state.queue.length === 0) return [];
    return this.markStarted(sql, [state.queue[0].executionId]);
  }

  /** Lets them start; returns those it did (only a queued execution, not yet admitted for its attempt, starts). */
  private async markStarted(sql: Sql, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await sql(
      `UPDATE ${this.t.executions} SET concurrency_admitted = run_attempt, concurrency_admitted_at = now()
       WHERE id = ANY($1::uuid[]) AND status = 'queued' AND concurrency_admitted IS DISTINCT FROM run_attempt RETURNING id`,
      [ids],
    );
    const done = new Set(rows.map((r) => r.id as string));
    return ids.filter((id) => done.has(id));
  }

  /** As a cancel through the API: the execution and its pending or running steps (a running one stops through its signal). */
  private async cancel(sql: Sql, executionId: string, reason: string): Promise<{ pipelineId: string; workspaceId: string | null } | null> {
    const rows = await sql(
      `UPDATE ${this.t.executions} SET status = 'cancelled', error = $2, finished_at = now()
       WHERE id = $1 AND status IN ('queued', 'running', 'waiting') RETURNING pipeline_id, workspace_id`,
      [executionId, reason],
    );
    if (rows.length === 0) return null;
    await sql(
      `UPDATE ${this.t.stepRuns} SET status = 'cancelled', finished_at = now(), lease_expires_at = NULL
       WHERE execution_id = $1 AND status IN ('pending', 'running')`,
      [executionId],
    );
    return { pipelineId: rows[0].pipeline_id, workspaceId: rows[0].workspace_id ?? null };
  }
}

/** One lock per group key, held until the transaction ends. */
async function lockGroup(sql: Sql, key: string): Promise<void> {
  await sql(`SELECT pg_advisory_xact_lock(hashtextextended($1, 20251130))`, [`concurrency:${key}`]);
}

function orderOf(r: Row): number[] {
  return ((r.concurrency_order as (string | number)[] | null) ?? []).map(Number);
}

/** The group as pipeline-core sees it: the holder (admitted for its current attempt) and the queue in event order. */
function stateOf(rows: Row[]): ConcurrencyGroupState {
  const holderRow = rows.find((r) => r.concurrency_admitted === r.run_attempt);
  const queue: ConcurrencyRun[] = rows
    .filter((r) => r !== holderRow && r.concurrency_joined === r.run_attempt && r.concurrency_admitted !== r.run_attempt)
    .map((r) => ({ executionId: r.id as string, order: orderOf(r) }))
    .sort((a, b) => compareOrder(a.order, b.order) || a.executionId.localeCompare(b.executionId));
  return { holder: holderRow ? { executionId: holderRow.id, order: orderOf(holderRow) } : null, queue };
}
