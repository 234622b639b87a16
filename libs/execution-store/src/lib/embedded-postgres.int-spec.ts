import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createDataSource, pendingMigrations, runMigrations } from './data-source';
import { resolveDatabase, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { addMonths, createMonthPartitions, maintainPartitions, monthStart, partitionName } from './partitions';
import { runSql } from './sql';
import { openStore } from './store';
import { eventEnvelope, matchFor, newPipeline } from '../test/store-test-db';

// PGlite boots in seconds, so this file keeps to one smoke run of the real store code path.
jest.setTimeout(120_000);

describe('embedded Postgres (pglite over the wire protocol)', () => {
  let dataDir: string;
  let pg: EmbeddedPostgres | undefined;
  let ds: DataSource | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mockops-pglite-'));
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await pg?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs the migrations and the store through pg/TypeORM, and keeps the data across a restart', async () => {
    pg = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pgdata') });
    expect(pg.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);

    ds = createDataSource({ url: pg.url, poolSize: 4 });
    await ds.initialize();
    expect(await pendingMigrations(ds)).toBe(true);
    await runMigrations(ds);
    expect(await pendingMigrations(ds)).toBe(false);
    expect((await ds.driver.createSchemaBuilder().log()).upQueries).toEqual([]);

    const store = openStore(ds);
    const pipeline = await store.createPipeline(newPipeline('embedded'));
    const event = eventEnvelope();
    const [created] = await store.createExecutions([matchFor(pipeline, event)]);
    const [again] = await store.createExecutions([matchFor(pipeline, event)]);
    expect(created.created).toBe(true);
    expect(again).toEqual({ execution: created.execution, created: false });

    // Several pooled connections at once: exactly one claim wins.
    const claims = await Promise.all(
      ['a', 'b', 'c'].map((owner) => store.claimStepRun(created.execution.id, 'promote', { owner, leaseMs: 60_000 })),
    );
    expect(claims.filter((c) => c !== null)).toHaveLength(1);

    // Month partitions (PGlite is PostgreSQL 18): the execution is in this month's partition, a claim
    // naming its month prunes to it, and the retention drops an expired month.
    const [{ part }] = await ds.query(`SELECT tableoid::regclass::text AS part FROM "public"."executions" WHERE id = $1`, [created.execution.id]);
    expect(part).toContain(partitionName('executions', monthStart(new Date())));
    const [pruned] = await store.createExecutions([matchFor(pipeline, eventEnvelope())]);
    expect((await store.claimAndLoad(pruned.execution.id, 'promote', { owner: 'p', leaseMs: 60_000, createdAt: pruned.execution.createdAt })).claimed).not.toBeNull();
    const old = addMonths(monthStart(new Date()), -6);
    await createMonthPartitions((text, params) => runSql(ds!, text, params), 'public', [old]);
    expect((await maintainPartitions(ds, { retentionDays: 30 })).dropped).toEqual([partitionName('step_runs', old), partitionName('executions', old)]);

    // Concurrency groups (advisory locks, bigint[] orders) and debounce bursts work here too.
    const [grouped] = await store.createExecutions([matchFor(pipeline, eventEnvelope())]);
    const admitted = await store.admitToConcurrencyGroup(grouped.execution.id, { group: { key: 'k', name: 'g', order: [1, 0] }, cancelInProgress: false });
    expect(admitted).toEqual({ run: 'start', started: [grouped.execution.id], cancelled: [] });
    const burst = { key: 'b', pipelineId: pipeline.id, triggerIndex: 0, event: eventEnvelope(), config: { periodMs: 1000 } };
    const at = Date.now();
    expect((await store.addToBurst({ ...burst, order: [at, 0], at })).outcome).toBe('opened');
    expect((await store.addToBurst({ ...burst, order: [at, 1], at })).outcome).toBe('extended');
    expect(await store.claimDueBursts(30_000, at + 1000)).toMatchObject([{ key: 'b', count: 2 }]);

    await ds.destroy();
    await pg.stop();

    pg = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pgdata') });
    ds = createDataSource({ url: pg.url, poolSize: 2 });
    await ds.initialize();
    expect(await pendingMigrations(ds)).toBe(false);
    const reopened = await openStore(ds).getExecution(created.execution.id);
    expect(reopened).toMatchObject({ id: created.execution.id, status: 'running' });
    expect(reopened!.stepRuns.map((s) => s.status)).toEqual(['running', 'pending']);
  });

  it('resolveDatabase uses DATABASE_URL when set and starts nothing', async () => {
    const resolved = await resolveDatabase({ url: 'postgres://app@db.internal:5432/mockops', dataDir: '/nonexistent' });
    expect(resolved).toEqual({ url: 'postgres://app@db.internal:5432/mockops' });
  });
});
