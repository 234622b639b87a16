import 'reflect-metadata';
import { DataSource, type LoggerOptions } from 'typeorm';
import { STORE_ENTITIES } from './entities';
import { STORE_MIGRATIONS } from './migrations';
import { schemaOf } from './sql';

export const MIGRATIONS_TABLE = 'mockops_migrations';

export interface DataSourceOptions {
  /** postgres://user@host:port/db */
  url: string;
  /** Postgres schema holding every table (default `public`). */
  schema?: string;
  poolSize?: number;
  logging?: LoggerOptions;
}

/** The store's TypeORM data source (not yet initialized). Migrations only: never synchronize. */
export function createDataSource(opts: DataSourceOptions): DataSource {
  const schema = opts.schema ?? 'public';
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(schema)) throw new Error(`invalid database schema name: ${schema}`);
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    schema,
    entities: STORE_ENTITIES,
    migrations: STORE_MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'all',
    migrationsRun: false,
    synchronize: false,
    // gen_random_uuid() is core since Postgres 13; creating extensions would fail on pglite and
    // on managed databases without the privilege.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    poolSize: opts.poolSize ?? 10,
    logging: opts.logging ?? false,
  });
}

/**
 * Creates the schema when missing (TypeORM's migrations table lives in it), then applies pending
 * migrations. Several processes booting at once (docker compose, a rollout) would race on CREATE
 * TABLE, so the whole step runs under a Postgres advisory lock per schema: the first migrates, the
 * others wait and then find nothing pending.
 */
export async function runMigrations(ds: DataSource): Promise<string[]> {
  const lockKey = `mockops-migrations:${schemaOf(ds)}`;
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    try {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schemaOf(ds)}"`);
      const applied = await ds.runMigrations({ transaction: 'all' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * True when the database lacks one of this build's migrations (boot refuses when auto-migrate is
 * off). Read-only, unlike TypeORM's showMigrations(), which creates the migrations table.
 */
export async function pendingMigrations(ds: DataSource): Promise<boolean> {
  const schema = schemaOf(ds);
  const [table] = await ds.query(`SELECT to_regclass($1) AS oid`, [`"${schema}"."${MIGRATIONS_TABLE}"`]);
  if (!table?.oid) return ds.migrations.length > 0;
  const applied: { name: string }[] = await ds.query(`SELECT name FROM "${schema}"."${MIGRATIONS_TABLE}"`);
  const names = new Set(applied.map((m) => m.name));
  return ds.migrations.some((m) => !names.has(m.name ?? m.constructor.name));
}
