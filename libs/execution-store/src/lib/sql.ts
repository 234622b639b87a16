import type { DataSource, QueryRunner } from 'typeorm';
import { StoreDataError, pgErrorOf } from './store-error';

/**
 * Raw-SQL plumbing shared by the stores (pipelines, executions, step runs, stats, promotions, artifacts): they talk
 * to Postgres through TypeORM query runners with hand-written SQL, and map rows themselves.
 */

/** A Postgres row as the driver returns it; each store's mapper gives it its record shape. */
export type Row = Record<string, any>;

/** Runs one statement and returns its rows (RETURNING rows for writes). */
export type Sql = (text: string, params?: unknown[]) => Promise<Row[]>;

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An `Sql` on a runner the caller owns (connects lazily, never releases). */
export function query(runner: QueryRunner): Sql {
  return async (text, params) => {
    try {
      // The structured result gives the rows for every command (a plain result is [rows, count] for UPDATE).
      const result = await runner.query(text, params as unknown[], true);
      return (result.records ?? []) as Row[];
    } catch (e) {
      throw asDataError(e);
    }
  };
}

/**
 * A value Postgres refuses (class 22: data exception, e.g. a NUL or a surrogate half in text; class
 * 54: a program limit, e.g. an index row too large) fails the same way on every retry: it becomes a
 * StoreError INVALID, which callers treat as permanent (the gateway answers 400, a worker fails the
 * step instead of retrying it). Other errors (connection loss, constraint checks) pass unchanged.
 */
function asDataError(e: unknown): unknown {
  const { code } = pgErrorOf(e);
  if (typeof code === 'string' && /^(22|54)/.test(code)) {
    const message = e instanceof Error ? e.message : String(e);
    return new StoreDataError(code, `the database refused a value (${code}): ${message}`);
  }
  return e;
}

/** The pg pool under TypeORM's Postgres driver: the hot paths talk to it directly (no query runner per statement). */
interface PgPool {
  query(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  connect(): Promise<{ query(text: string, params?: unknown[]): Promise<{ rows: Row[] }>; release(err?: Error | boolean): void }>;
}

function pgPool(ds: DataSource): PgPool | undefined {
  const master = (ds.driver as unknown as { master?: PgPool }).master;
  return master && typeof master.query === 'function' && typeof master.connect === 'function' ? master : undefined;
}

/** One statement on a pooled connection (one round trip; the pool's own checkout, no TypeORM query runner). */
export async function runSql(ds: DataSource, text: string, params?: unknown[]): Promise<Row[]> {
  const pool = pgPool(ds);
  if (!pool) {
    const runner = ds.createQueryRunner();
    try {
      return await query(runner)(text, params);
    } finally {
      await runner.release();
    }
  }
  try {
    return (await pool.query(text, params)).rows;
  } catch (e) {
    throw asDataError(e);
  }
}

/** Runs `fn` in one transaction on one pooled connection: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(ds: DataSource, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const pool = pgPool(ds);
  if (!pool) return inTypeormTransaction(ds, fn);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      const result = await fn(async (text, params) => {
        try {
          return (await client.query(text, params)).rows;
        } catch (e) {
          throw asDataError(e);
        }
      });
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw e;
    }
  } finally {
    // A connection whose rollback failed is not given back to the pool.
    client.release(broken ?? false);
  }
}

async function inTypeormTransaction<T>(ds: DataSource, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  try {
    const result = await fn(query(runner));
    await runner.commitTransaction();
    return result;
  } catch (e) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw e;
  } finally {
    await runner.release();
  }
}

/** `runSql` and `inTransaction` bound to one data source, for a store to keep as a field. */
export class SqlRunner {
  constructor(private readonly ds: DataSource) {}

  sql(text: string, params?: unknown[]): Promise<Row[]> {
    return runSql(this.ds, text, params);
  }

  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return inTransaction(this.ds, fn);
  }
}

/** Collects the parameters of a statement built piece by piece: param(v) adds v and returns its $n. */
export function sqlParams(): { params: unknown[]; param: (value: unknown) => string } {
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  return { params, param };
}

/**
 * Quoted, schema-qualified names of `tables` in the data source's schema (public by default), so
 * every test can run in a schema of its own: tableNames(ds, { runs: 'step_runs' }).runs is
 * "schema"."step_runs".
 */
export function tableNames<K extends string>(ds: DataSource, tables: Record<K, string>): Record<K, string> {
  const schema = quoteIdent(schemaOf(ds));
  const names = {} as Record<K, string>;
  for (const key of Object.keys(tables) as K[]) names[key] = `${schema}.${quoteIdent(tables[key])}`;
  return names;
}

/** The schema a data source works in. */
export function schemaOf(ds: DataSource): string {
  return (ds.options as { schema?: string }).schema ?? 'public';
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Lets a malformed id find nothing instead of raising a Postgres cast error. */
export function idOrNull(id: string): string | null {
  return UUID_RE.test(id) ? id : null;
}

/** A value for a `$n::jsonb` parameter; undefined becomes SQL NULL. */
export function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** For nullable timestamp columns. */
export function iso(value: Date | string | number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  // A parked step run's lease never expires: Postgres 'infinity' arrives as Infinity.
  if (!Number.isFinite(date.getTime())) return 'infinity';
  return date.toISOString();
}

/** For NOT NULL timestamp columns. */
export function isoAt(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
