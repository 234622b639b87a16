import type { DataSource } from 'typeorm';
import { inTransaction, quoteIdent, schemaOf, type Sql } from './sql';

/**
 * Month partitions of `executions` (by `created_at`, fixed when the execution is created; a re-run
 * moves `queued_at`, not the row) and `step_runs` (by `execution_created_at`, their execution's
 * `created_at`), in UTC months, plus a DEFAULT partition each so an insert never fails for a missing
 * month. `artifacts` (not partitioned) and `step_runs` reference executions on `(id, created_at)`;
 * `execution_keys` (not partitioned) keeps an event's uniqueness across months.
 */
export const PARTITIONED_TABLES = [
  { table: 'executions', key: 'created_at' },
  { table: 'step_runs', key: 'execution_created_at' },
] as const;

/** Months created ahead of the current one, at boot and daily. */
export const MONTHS_AHEAD = 2;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The first instant (UTC) of the month holding `at`. */
export function monthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

export function addMonths(month: Date, n: number): Date {
  return new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + n, 1));
}

/** `executions_p202611` for November 2026. */
export function partitionName(table: string, month: Date): string {
  return `${table}_p${month.getUTCFullYear()}${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

async function exists(sql: Sql, schema: string, name: string): Promise<boolean> {
  const [row] = await sql(`SELECT to_regclass($1) IS NOT NULL AS present`, [`${quoteIdent(schema)}."${name}"`]);
  return Boolean(row?.present);
}

/**
 * Creates the month partitions of both tables for `months` (and the DEFAULT partitions) when
 * missing; idempotent. A month whose rows already sit in a DEFAULT partition is left there (Postgres
 * refuses to create a partition over rows of the default one) and reported in `skipped`.
 */
export async function createMonthPartitions(sql: Sql, schema: string, months: Date[]): Promise<{ created: string[]; skipped: string[] }> {
  const s = quoteIdent(schema);
  const created: string[] = [];
  const skipped: string[] = [];
  for (const { table } of PARTITIONED_TABLES) {
    if (!(await exists(sql, schema, `${table}_default`))) {
      await sql(`CREATE TABLE IF NOT EXISTS ${s}."${table}_default" PARTITION OF ${s}."${table}" DEFAULT`);
      created.push(`${table}_default`);
    }
  }
  for (const month of [...new Set(months.map((m) => monthStart(m).getTime()))].sort().map((t) => new Date(t))) {
    const from = month.toISOString();
    const to = addMonths(month, 1).toISOString();
    for (const { table, key } of PARTITIONED_TABLES) {
      const name = partitionName(table, month);
      if (await exists(sql, schema, name)) continue;
      const [inDefault] = await sql(`SELECT EXISTS (SELECT 1 FROM ${s}."${table}_default" WHERE "${key}" >= $1 AND "${key}" < $2) AS present`, [from, to]);
      if (inDefault?.present) {
        skipped.push(name);
        continue;
      }
      await sql(`CREATE TABLE IF NOT EXISTS ${s}."${name}" PARTITION OF ${s}."${table}" FOR VALUES FROM ('${from}') TO ('${to}')`);
      created.push(name);
    }
  }
  return { created, skipped };
}

/** The month partitions of a table that exist, with their month (from their name), oldest first. */
async function monthPartitions(sql: Sql, schema: string, table: string): Promise<{ name: string; month: Date }[]> {
  const rows = await sql(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
     WHERE n.nspname = $1 AND p.relname = $2`,
    [schema, table],
  );
  const re = new RegExp(`^${table}_p(\\d{4})(\\d{2})$`);
  return rows
    .map((r) => ({ name: r.name as string, m: re.exec(r.name as string) }))
    .filter((r): r is { name: string; m: RegExpExecArray } => r.m !== null)
    .map((r) => ({ name: r.name, month: new Date(Date.UTC(Number(r.m[1]), Number(r.m[2]) - 1, 1)) }))
    .sort((a, b) => a.month.getTime() - b.month.getTime());
}

export interface RetentionResult {
  /** Partitions dropped (step runs before executions). */
  dropped: string[];
  /** now - retentionDays: months ending by then were dropped, DEFAULT-partition rows created before it deleted. */
  cutoff: string;
}

/**
 * Retention: drops every month partition that ends on or before `now - retentionDays`, with all it
 * holds, in one transaction: the artifacts of those executions first, then the step-run month, then
 * the execution month (detached first: it is referenced by foreign keys), then their event keys, so a
 * redelivered event older than the retention can start a new execution. Rows of the DEFAULT partitions
 * older than the cutoff are deleted (their step runs and artifacts by cascade). A month is kept whole
 * until all of it is past the retention.
 */
export async function dropExpiredPartitions(ds: DataSource, opts: { retentionDays: number; now?: Date }): Promise<RetentionResult> {
  if (!Number.isFinite(opts.retentionDays) || opts.retentionDays <= 0) throw new Error('retentionDays must be a positive number');
  const schema = schemaOf(ds);
  const s = quoteIdent(schema);
  const cutoff = new Date((opts.now ?? new Date()).getTime() - opts.retentionDays * DAY_MS);
  return inTransaction(ds, async (sql) => {
    await sql(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`mockops-partitions:${schema}`]);
    const dropped: string[] = [];
    const expired = (await monthPartitions(sql, schema, 'executions')).filter((p) => addMonths(p.month, 1).getTime() <= cutoff.getTime());
    for (const { month } of expired) {
      const from = month.toISOString();
      const to = addMonths(month, 1).toISOString();
      await sql(`DELETE FROM ${s}."artifacts" WHERE "execution_created_at" >= $1 AND "execution_created_at" < $2`, [from, to]);
      const steps = partitionName('step_runs', month);
      if (await exists(sql, schema, steps)) {
        await sql(`DROP TABLE ${s}."${steps}"`);
        dropped.push(steps);
      }
      const executions = partitionName('executions', month);
      await sql(`ALTER TABLE ${s}."executions" DETACH PARTITION ${s}."${executions}"`);
      await sql(`DROP TABLE ${s}."${executions}"`);
      dropped.push(executions);
      await sql(`DELETE FROM ${s}."execution_keys" WHERE "created_at" >= $1 AND "created_at" < $2`, [from, to]);
    }
    // Rows the DEFAULT partitions caught (a month created late), then the keys older than the cutoff
    // whose execution is gone; a key of a month still kept stays, so its event stays a no-op.
    await sql(`DELETE FROM ${s}."executions_default" WHERE "created_at" < $1`, [cutoff.toISOString()]);
    await sql(
      `DELETE FROM ${s}."execution_keys" k WHERE k."created_at" < $1
         AND NOT EXISTS (SELECT 1 FROM ${s}."executions" e WHERE e."id" = k."execution_id" AND e."created_at" = k."created_at")`,
      [cutoff.toISOString()],
    );
    return { dropped, cutoff: cutoff.toISOString() };
  });
}

/**
 * What every process does at boot and once a day: creates the current month and the next
 * MONTHS_AHEAD (idempotent, under an advisory lock so replicas take turns), then applies the
 * retention when `retentionDays` is set (null: keep everything forever).
 */
export async function maintainPartitions(ds: DataSource, opts: { retentionDays: number | null; now?: Date }): Promise<{ created: string[]; skipped: string[]; dropped: string[] }> {
  const schema = schemaOf(ds);
  const now = opts.now ?? new Date();
  const current = monthStart(now);
  const months = Array.from({ length: MONTHS_AHEAD + 1 }, (_, i) => addMonths(current, i));
  const made = await inTransaction(ds, async (sql) => {
    await sql(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`mockops-partitions:${schema}`]);
    return createMonthPartitions(sql, schema, months);
  });
  const dropped = opts.retentionDays === null ? [] : (await dropExpiredPartitions(ds, { retentionDays: opts.retentionDays, now })).dropped;
  return { ...made, dropped };
}
