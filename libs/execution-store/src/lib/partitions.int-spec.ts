import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ArtifactStore } from './artifact.store';
import { MIGRATIONS_TABLE, runMigrations } from './data-source';
import { STORE_MIGRATIONS } from './migrations';
import { addMonths, createMonthPartitions, dropExpiredPartitions, maintainPartitions, monthStart, partitionName } from './partitions';
import type { PipelineWithRevision } from './records';
import { runSql } from './sql';
import { eventEnvelope, matchFor, newPipeline, openTestDb, type TestDb } from '../test/store-test-db';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('month partitions of executions and step runs (real Postgres, own schema)', () => {
  let db: TestDb;
  let artifacts: ArtifactStore;
  let pipeline: PipelineWithRevision;
  const thisMonth = monthStart(new Date());

  beforeAll(async () => {
    db = await openTestDb();
    artifacts = new ArtifactStore(db.ds);
    pipeline = await db.store.createPipeline(newPipeline(`p-${randomUUID().slice(0, 8)}`));
  });
  afterAll(async () => {
    await db?.close();
  });

  const s = () => `"${db.schema}"`;

  /** Where a row of `table` with this id lives. */
  async function partitionOf(table: 'executions' | 'step_runs', column: 'id' | 'execution_id', id: string): Promise<string[]> {
    const rows = await db.ds.query(`SELECT DISTINCT tableoid::regclass::text AS part FROM ${s()}."${table}" WHERE "${column}" = $1`, [id]);
    return rows.map((r: { part: string }) => r.part.replace(/^.*\./, '').replace(/"/g, ''));
  }

  /**
   * An execution with its step runs and key as the store's batch insert writes them, created at
   * `createdAt` (the store always uses now(); earlier months are written here).
   */
  async function executionAt(createdAt: Date, eventId: string = randomUUID()): Promise<string> {
    const id = randomUUID();
    const at = createdAt.toISOString();
    await db.ds.query(
      `INSERT INTO ${s()}."execution_keys" (pipeline_id, event_workspace_id, event_id, execution_id, created_at) VALUES ($1, 'workspace-123', $2, $3, $4)`,
      [pipeline.id, eventId, id, at],
    );
    await db.ds.query(
      `INSERT INTO ${s()}."executions" (id, created_at, queued_at, pipeline_id, revision_id, workspace_id, event_workspace_id, event_id, event_type, event, status)
       VALUES ($1, $2, $2, $3, $4, $5, 'workspace-123', $6, 'scenario.published', $7, 'succeeded')`,
      [id, at, pipeline.id, pipeline.currentRevisionId, pipeline.workspaceId, eventId, JSON.stringify(eventEnvelope({ id: eventId }))],
    );
    await db.ds.query(
      `INSERT INTO ${s()}."step_runs" (execution_id, execution_created_at, step_index, step_name, step_type, status)
       VALUES ($1, $2, 0, 'promote', 'auto_promote', 'succeeded'), ($1, $2, 1, 'notify', 'notify', 'succeeded')`,
      [id, at],
    );
    return id;
  }

  async function count(table: string, column: string, id: string): Promise<number> {
    const [row] = await db.ds.query(`SELECT count(*)::int AS n FROM ${s()}."${table}" WHERE "${column}" = $1`, [id]);
    return row.n;
  }

  it('puts a new execution, its step runs and its artifact in the current month', async () => {
    const [{ execution, created }] = await db.store.createExecutions([matchFor(pipeline, eventEnvelope())]);
    expect(created).toBe(true);
    expect(await partitionOf('executions', 'id', execution.id)).toEqual([partitionName('executions', thisMonth)]);
    expect(await partitionOf('step_runs', 'execution_id', execution.id)).toEqual([partitionName('step_runs', thisMonth)]);
    await artifacts.put({ executionId: execution.id, stepName: 'promote', name: 'report.json', mediaType: 'application/json', content: Buffer.from('{}') });
    const [row] = await db.ds.query(
      `SELECT a.execution_created_at = e.created_at AS same FROM ${s()}."artifacts" a JOIN ${s()}."executions" e ON e.id = a.execution_id WHERE a.execution_id = $1`,
      [execution.id],
    );
    expect(row.same).toBe(true);
  });

  it('claims and completes within the month the job names (createdAt), and still without it', async () => {
    const [{ execution }] = await db.store.createExecutions([matchFor(pipeline, eventEnvelope())]);
    expect(execution.createdAt).toBeDefined();
    const lease = { leaseMs: 60_000 };
    // A createdAt a month off: the claim reads that month only, where the execution is not.
    const wrong = new Date(Date.parse(execution.createdAt!) - 31 * DAY_MS).toISOString();
    expect(await db.store.claimAndLoad(execution.id, 'promote', { owner: 'w0', ...lease, createdAt: wrong })).toEqual({ execution: null, stepRuns: [], claimed: null });
    const claim = await db.store.claimAndLoad(execution.id, 'promote', { owner: 'w1', ...lease, createdAt: execution.createdAt });
    expect(claim.claimed).toMatchObject({ stepName: 'promote', status: 'running', attempts: 1 });
    expect(claim.stepRuns.map((r) => r.stepName)).toEqual(['promote', 'notify']);
    const done = { outputs: { ok: true }, renderedConfig: {}, logs: [] };
    // The completion is a compare-and-set within that month too: the wrong month records nothing.
    expect(await db.store.completeAndAdvance(claim.claimed!.id, 'w1', done, { skip: [] }, wrong)).toEqual({ recorded: false, finished: false });
    expect(await db.store.completeAndAdvance(claim.claimed!.id, 'w1', done, { skip: ['notify'], finish: { status: 'succeeded', error: null } }, execution.createdAt)).toEqual({
      recorded: true,
      finished: true,
    });
    expect(await db.store.getExecution(execution.id)).toMatchObject({ status: 'succeeded', stepRuns: [{ status: 'succeeded' }, { status: 'skipped' }] });
    // A job without createdAt (enqueued before the upgrade) still claims, reading every month.
    const [{ execution: other }] = await db.store.createExecutions([matchFor(pipeline, eventEnvelope())]);
    const old = await db.store.claimAndLoad(other.id, 'promote', { owner: 'w2', ...lease });
    expect(old.claimed?.status).toBe('running');
    expect(await db.store.failAndAdvance(old.claimed!.id, 'w2', { error: 'x', errorCode: 'X', logs: [], willRetry: true })).toEqual({ recorded: true, finished: false });
  });

  it('routes rows to the month partition of their creation, and a month without one to DEFAULT', async () => {
    const earlier = addMonths(thisMonth, -2);
    await createMonthPartitions(runner(), db.schema, [earlier]);
    const inEarlier = await executionAt(new Date(earlier.getTime() + 3 * DAY_MS));
    expect(await partitionOf('executions', 'id', inEarlier)).toEqual([partitionName('executions', earlier)]);
    expect(await partitionOf('step_runs', 'execution_id', inEarlier)).toEqual([partitionName('step_runs', earlier)]);

    const later = addMonths(thisMonth, 9);
    const inDefault = await executionAt(new Date(later.getTime() + DAY_MS));
    expect(await partitionOf('executions', 'id', inDefault)).toEqual(['executions_default']);
    expect(await partitionOf('step_runs', 'execution_id', inDefault)).toEqual(['step_runs_default']);
    // Postgres cannot create a month over rows of the DEFAULT partition: that month is left there, reported.
    expect(await createMonthPartitions(runner(), db.schema, [later])).toEqual({
      created: [],
      skipped: [partitionName('executions', later), partitionName('step_runs', later)],
    });
    await db.ds.query(`DELETE FROM ${s()}."executions" WHERE id = $1`, [inDefault]);
    expect(await count('step_runs', 'execution_id', inDefault)).toBe(0);
  });

  it('a redelivered event creates nothing in a later month: the event keys span every month', async () => {
    const earlier = addMonths(thisMonth, -3);
    await createMonthPartitions(runner(), db.schema, [earlier]);
    const event = eventEnvelope();
    const old = await executionAt(new Date(earlier.getTime() + 5 * DAY_MS), event.id);
    const fresh = eventEnvelope();
    const results = await db.store.createExecutions([matchFor(pipeline, event), matchFor(pipeline, fresh), matchFor(pipeline, event)]);
    expect(results.map((r) => [r.execution.id === old, r.created])).toEqual([
      [true, false],
      [false, true],
      [true, false],
    ]);
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM ${s()}."executions" WHERE event_id = $1`, [event.id]);
    expect(n).toBe(1);
    expect(await count('step_runs', 'execution_id', old)).toBe(2);
    // Redelivered again on its own: still the old execution.
    const [again] = await db.store.createExecutions([matchFor(pipeline, event)]);
    expect(again).toMatchObject({ created: false, execution: { id: old } });
  });

  it('retention drops whole expired months with their step runs, artifacts and keys; newer executions stay', async () => {
    const now = new Date();
    const expiredMonth = addMonths(thisMonth, -5);
    const keptMonth = addMonths(thisMonth, -4);
    await createMonthPartitions(runner(), db.schema, [expiredMonth, keptMonth]);
    const expiredEvent = eventEnvelope();
    const expired = await executionAt(new Date(expiredMonth.getTime() + 2 * DAY_MS), expiredEvent.id);
    const kept = await executionAt(new Date(keptMonth.getTime() + 2 * DAY_MS));
    // Older than the cutoff but caught by DEFAULT (its month had no partition): deleted too.
    const defaultOld = await executionAt(new Date(addMonths(thisMonth, -7).getTime() + DAY_MS));
    const [{ execution: current }] = await db.store.createExecutions([matchFor(pipeline, eventEnvelope())]);
    for (const id of [expired, kept, defaultOld, current.id]) {
      await artifacts.put({ executionId: id, stepName: 'notify', name: 'out.txt', mediaType: 'text/plain', content: Buffer.from(id) });
    }
    // The cutoff falls in the middle of keptMonth: it is kept whole until all of it is past.
    const cutoff = new Date(keptMonth.getTime() + 10 * DAY_MS);
    const retentionDays = Math.ceil((now.getTime() - cutoff.getTime()) / DAY_MS);

    const result = await dropExpiredPartitions(db.ds, { retentionDays, now });
    expect(result.dropped).toEqual([partitionName('step_runs', expiredMonth), partitionName('executions', expiredMonth)]);
    const [gone] = await db.ds.query(`SELECT to_regclass($1) AS e, to_regclass($2) AS s`, [
      `${s()}."${partitionName('executions', expiredMonth)}"`,
      `${s()}."${partitionName('step_runs', expiredMonth)}"`,
    ]);
    expect(gone).toEqual({ e: null, s: null });
    for (const id of [expired, defaultOld]) {
      expect([await count('executions', 'id', id), await count('step_runs', 'execution_id', id), await count('artifacts', 'execution_id', id)]).toEqual([0, 0, 0]);
      expect(await count('execution_keys', 'execution_id', id)).toBe(0);
    }
    for (const id of [kept, current.id]) {
      expect([await count('executions', 'id', id), await count('step_runs', 'execution_id', id), await count('artifacts', 'execution_id', id)]).toEqual([1, 2, 1]);
      expect(await count('execution_keys', 'execution_id', id)).toBe(1);
    }
    expect(await db.store.getExecution(kept)).toMatchObject({ id: kept, stepRuns: [{ stepName: 'promote' }, { stepName: 'notify' }] });
    // Past the retention, the event is forgotten: a replay starts a new execution.
    const [replayed] = await db.store.createExecutions([matchFor(pipeline, expiredEvent)]);
    expect(replayed.created).toBe(true);
    // Running it again finds nothing more to drop.
    expect((await dropExpiredPartitions(db.ds, { retentionDays, now })).dropped).toEqual([]);
  });

  it('without MOCKOPS_RETENTION_DAYS keeps every month, and creates the coming months once', async () => {
    const old = addMonths(thisMonth, -11);
    await createMonthPartitions(runner(), db.schema, [old]);
    const ancient = await executionAt(new Date(old.getTime() + DAY_MS));
    const later = addMonths(new Date(), 14);
    const first = await maintainPartitions(db.ds, { retentionDays: null, now: later });
    expect(first.dropped).toEqual([]);
    expect(first.created).toEqual(
      [0, 1, 2].flatMap((i) => [partitionName('executions', addMonths(monthStart(later), i)), partitionName('step_runs', addMonths(monthStart(later), i))]),
    );
    expect(await maintainPartitions(db.ds, { retentionDays: null, now: later })).toEqual({ created: [], skipped: [], dropped: [] });
    expect(await count('executions', 'id', ancient)).toBe(1);
    // The same call with a retention does drop that month.
    const withRetention = await maintainPartitions(db.ds, { retentionDays: 30, now: later });
    expect(withRetention.dropped).toContain(partitionName('executions', old));
    expect(await count('executions', 'id', ancient)).toBe(0);
  });

  it('migrates an existing install: executions of earlier months move to their partitions with their step runs, artifacts and keys', async () => {
    const url = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
    const schema = `${db.schema}_upgrade`;
    const before = new DataSource({ ...(db.ds.options as object), schema, migrations: STORE_MIGRATIONS.slice(0, -1), url } as never);
    await before.initialize();
    try {
      await runMigrations(before);
      const t = (name: string) => `"${schema}"."${name}"`;
      const [p] = await before.query(`INSERT INTO ${t('pipelines')} (name, workspace_id) VALUES ('old', 'ws') RETURNING id`);
      const [r] = await before.query(
        `INSERT INTO ${t('pipeline_revisions')} (pipeline_id, revision, document, source_text, source_format) VALUES ($1, 1, '{}', '', 'yaml') RETURNING id`,
        [p.id],
      );
      const months = [addMonths(thisMonth, -14), addMonths(thisMonth, -1)];
      const ids: string[] = [];
      for (const [i, m] of months.entries()) {
        const [e] = await before.query(
          `INSERT INTO ${t('executions')} (pipeline_id, revision_id, workspace_id, event_workspace_id, event_id, event_type, event, queued_at)
           VALUES ($1, $2, 'ws', 'ws', $3, 'x', '{}', $4) RETURNING id`,
          [p.id, r.id, `ev-${i}`, new Date(m.getTime() + DAY_MS).toISOString()],
        );
        ids.push(e.id);
        await before.query(`INSERT INTO ${t('step_runs')} (execution_id, step_index, step_name, step_type) VALUES ($1, 0, 'a', 'notify')`, [e.id]);
        await before.query(
          `INSERT INTO ${t('artifacts')} (execution_id, step_name, name, media_type, size, sha256, content) VALUES ($1, 'a', 'f', 'text/plain', 1, 'x', 'x')`,
          [e.id],
        );
      }
      await before.destroy();
      const after = new DataSource({ ...(db.ds.options as object), schema, url } as never);
      await after.initialize();
      try {
        expect(await runMigrations(after)).toEqual([STORE_MIGRATIONS[STORE_MIGRATIONS.length - 1].name]);
        for (const [i, m] of months.entries()) {
          const [e] = await after.query(`SELECT tableoid::regclass::text AS part FROM ${t('executions')} WHERE id = $1`, [ids[i]]);
          expect(e.part).toContain(partitionName('executions', m));
          const [sr] = await after.query(`SELECT tableoid::regclass::text AS part FROM ${t('step_runs')} WHERE execution_id = $1`, [ids[i]]);
          expect(sr.part).toContain(partitionName('step_runs', m));
          const [a] = await after.query(`SELECT count(*)::int AS n FROM ${t('artifacts')} WHERE execution_id = $1`, [ids[i]]);
          expect(a.n).toBe(1);
          const [k] = await after.query(`SELECT execution_id FROM ${t('execution_keys')} WHERE event_id = $1`, [`ev-${i}`]);
          expect(k.execution_id).toBe(ids[i]);
        }
        const [{ n }] = await after.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename LIKE '%unpartitioned'`, [schema]);
        expect(n).toBe(0);
        const [{ tables }] = await after.query(`SELECT count(*)::int AS tables FROM ${t(MIGRATIONS_TABLE)}`);
        expect(tables).toBe(STORE_MIGRATIONS.length);

        // Down puts plain tables back with every row; up again partitions them again.
        await after.undoLastMigration({ transaction: 'all' });
        const kinds = await after.query(
          `SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = $1 AND c.relname IN ('executions', 'step_runs', 'execution_keys') ORDER BY c.relname`,
          [schema],
        );
        expect(kinds).toEqual([{ relname: 'executions', relkind: 'r' }, { relname: 'step_runs', relkind: 'r' }]);
        const [{ n: plain }] = await after.query(`SELECT count(*)::int AS n FROM ${t('executions')} e JOIN ${t('step_runs')} s ON s.execution_id = e.id JOIN ${t('artifacts')} a ON a.execution_id = e.id`);
        expect(plain).toBe(2);
        expect(await runMigrations(after)).toEqual([STORE_MIGRATIONS[STORE_MIGRATIONS.length - 1].name]);
        const [{ n: again }] = await after.query(`SELECT count(*)::int AS n FROM ${t('executions')} e JOIN ${t('step_runs')} s ON s.execution_id = e.id AND s.execution_created_at = e.created_at`);
        expect(again).toBe(2);
      } finally {
        await after.destroy();
      }
    } finally {
      await db.ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      if (before.isInitialized) await before.destroy();
    }
  });

  function runner() {
    return (text: string, params?: unknown[]) => runSql(db.ds, text, params);
  }
});
