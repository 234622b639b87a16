import { MIGRATIONS_TABLE, createDataSource, pendingMigrations, runMigrations } from './data-source';
import { STORE_MIGRATIONS } from './migrations';
import { openTestDb, type TestDb } from '../test/store-test-db';

describe('store migrations (real Postgres, own schema)', () => {
  let db: TestDb;

  beforeAll(async () => {
    db = await openTestDb({ migrate: false });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('reports pending migrations on an empty schema, applies them, then reports none', async () => {
    expect(await pendingMigrations(db.ds)).toBe(true);
    // The check is read-only: a boot that refuses to migrate leaves the database untouched.
    expect(await db.ds.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [db.schema])).toEqual([]);

    const applied = await runMigrations(db.ds);
    expect(applied).toEqual(STORE_MIGRATIONS.map((m) => new m().name));
    expect(await pendingMigrations(db.ds)).toBe(false);
    expect(await runMigrations(db.ds)).toEqual([]);
  });

  it('lets processes that boot together migrate one schema at the same time', async () => {
    const url = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
    const schema = `${db.schema}_race`;
    const sources = Array.from({ length: 4 }, () => createDataSource({ url, schema, poolSize: 3 }));
    try {
      await Promise.all(sources.map((ds) => ds.initialize()));
      const applied = await Promise.all(sources.map((ds) => runMigrations(ds)));
      // Exactly one of them applied everything; the others found nothing pending.
      expect(applied.map((a) => a.length).sort()).toEqual([0, 0, 0, STORE_MIGRATIONS.length]);
    } finally {
      await sources[0].query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await Promise.all(sources.map((ds) => (ds.isInitialized ? ds.destroy() : undefined)));
    }
  });

  it('creates every table and the migrations table inside the data source schema', async () => {
    const rows: { table_schema: string; table_name: string }[] = await db.ds.query(
      `SELECT t.table_schema, t.table_name FROM information_schema.tables t
         JOIN pg_class c ON c.relname = t.table_name JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = t.table_schema
       WHERE t.table_schema = $1 AND NOT c.relispartition ORDER BY t.table_name`,
      [db.schema],
    );
    expect(rows.map((r) => r.table_name)).toEqual([
        MIGRATIONS_TABLE,
        'artifacts',
        'debounce_bursts',
        'entity_versions',
        'execution_keys',
        'executions',
        'pipeline_revisions',
        'pipelines',
        'promotion_environments',
        'promotions',
        'step_runs',
        'workspace_secrets',
      ].sort());
  });

  it('partitions executions and step runs by month: this month, the next two and a DEFAULT partition each', async () => {
    const parts: { parent: string; name: string; bound: string }[] = await db.ds.query(
      `SELECT p.relname AS parent, c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = p.relnamespace
       WHERE n.nspname = $1 AND p.relkind = 'p' ORDER BY p.relname, c.relname`,
      [db.schema],
    );
    const month = (n: number) => {
      const d = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + n, 1));
      return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    };
    for (const table of ['executions', 'step_runs']) {
      expect(parts.filter((p) => p.parent === table).map((p) => p.name)).toEqual([
        `${table}_default`, `${table}_p${month(0)}`, `${table}_p${month(1)}`, `${table}_p${month(2)}`,
      ]);
    }
    expect(parts.find((p) => p.name === 'executions_default')?.bound).toBe('DEFAULT');
  });

  it('leaves nothing for TypeORM to change: entities and migrations agree', async () => {
    const diff = await db.ds.driver.createSchemaBuilder().log();
    expect(diff.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('generates uuid ids with gen_random_uuid() and stores timestamps with time zone', async () => {
    const cols: { table_name: string; column_name: string; data_type: string; column_default: string | null }[] = await db.ds.query(
      `SELECT table_name, column_name, data_type, column_default FROM information_schema.columns
       WHERE table_schema = $1 AND table_name <> $2 AND (column_name = 'id' OR column_name LIKE '%\\_at')`,
      [db.schema, MIGRATIONS_TABLE],
    );
    for (const c of cols.filter((c) => c.column_name === 'id')) {
      expect(c).toMatchObject({ data_type: 'uuid', column_default: 'gen_random_uuid()' });
    }
    for (const c of cols.filter((c) => c.column_name.endsWith('_at'))) {
      expect(`${c.table_name}.${c.column_name}: ${c.data_type}`).toBe(`${c.table_name}.${c.column_name}: timestamp with time zone`);
    }
  });
});
