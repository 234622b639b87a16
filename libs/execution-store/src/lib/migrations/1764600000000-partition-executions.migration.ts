import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addMonths, createMonthPartitions, monthStart, MONTHS_AHEAD } from '../partitions';
import type { Row } from '../sql';

const EXECUTION_COLUMNS = `"id", "pipeline_id", "revision_id", "workspace_id", "event_workspace_id", "event_id", "event_type", "event",
  "status", "run_attempt", "trace_id", "traceparent", "error", "queued_at", "started_at", "finished_at", "concurrency_key",
  "concurrency_group", "concurrency_order", "concurrency_joined", "concurrency_admitted", "concurrency_admitted_at"`;

const STEP_RUN_COLUMNS = `"id", "execution_id", "step_index", "step_name", "step_type", "status", "attempts", "max_attempts",
  "rendered_config", "outputs", "logs", "progress", "skip_reason", "reused_from_attempt", "error", "error_code", "lease_owner",
  "lease_expires_at", "queued_at", "started_at", "finished_at", "duration_ms"`;

/**
 * Executions and step runs partitioned by month (docs/scaling.md, "Postgres partitions and retention"):
 * - `executions` PARTITION BY RANGE (`created_at`), a new column fixed at creation (`queued_at` moves
 *   on a re-run); primary key `(id, created_at)`. Existing rows get `created_at = queued_at`.
 * - `step_runs` PARTITION BY RANGE (`execution_created_at`), their execution's `created_at`, so an
 *   execution and its step runs live in the same month; foreign key `(execution_id,
 *   execution_created_at)` with ON DELETE CASCADE, as before.
 * - `artifacts` stays one table, with `execution_created_at` and the same composite foreign key.
 * - `execution_keys` (one table) holds the (pipeline, event workspace, event id) uniqueness that
 *   makes a redelivered event a no-op in any month: a partitioned table can only be unique per month.
 * - A partition per month holding data, the current month and the next MONTHS_AHEAD, plus DEFAULT.
 * The tables are rewritten (create, copy, drop): on a large install run it from the migrate Job with
 * MOCKOPS_AUTO_MIGRATE=false. Down copies everything back into plain tables.
 */
export class PartitionExecutions1764600000000 implements MigrationInterface {
  name = 'PartitionExecutions1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaName(queryRunner);
    const s = quoted(schema);
    const q = (text: string, params?: unknown[]) => queryRunner.query(text, params) as Promise<Row[]>;

    // The old tables step aside with their indexes (index names are per schema).
    await q(`ALTER TABLE ${s}."step_runs" DROP CONSTRAINT "fk_step_runs_execution"`);
    await q(`ALTER TABLE ${s}."artifacts" DROP CONSTRAINT "fk_artifacts_execution"`);
    await q(`ALTER TABLE ${s}."executions" RENAME TO "executions_unpartitioned"`);
    await q(`ALTER TABLE ${s}."step_runs" RENAME TO "step_runs_unpartitioned"`);
    for (const table of ['executions_unpartitioned', 'step_runs_unpartitioned']) {
      const indexes = await q(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2`, [schema, table]);
      for (const { indexname } of indexes) await q(`ALTER INDEX ${s}."${indexname}" RENAME TO "${indexname}_unpartitioned"`);
    }

    await q(`
      CREATE TABLE ${s}."executions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "pipeline_id" uuid NOT NULL,
        "revision_id" uuid NOT NULL,
        "workspace_id" text,
        "event_workspace_id" text NOT NULL DEFAULT '',
        "event_id" text NOT NULL,
        "event_type" text NOT NULL,
        "event" json NOT NULL,
        "status" text NOT NULL DEFAULT 'queued',
        "run_attempt" integer NOT NULL DEFAULT 1,
        "trace_id" text,
        "traceparent" text,
        "error" text,
        "queued_at" timestamptz NOT NULL DEFAULT now(),
        "started_at" timestamptz,
        "finished_at" timestamptz,
        "concurrency_key" text,
        "concurrency_group" text,
        "concurrency_order" bigint array,
        "concurrency_joined" integer,
        "concurrency_admitted" integer,
        "concurrency_admitted_at" timestamptz,
        CONSTRAINT "pk_executions" PRIMARY KEY ("id", "created_at"),
        CONSTRAINT "ck_executions_status"
          CHECK ("status" IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled')),
        CONSTRAINT "fk_executions_pipeline" FOREIGN KEY ("pipeline_id")
          REFERENCES ${s}."pipelines" ("id") ON DELETE CASCADE,
        CONSTRAINT "fk_executions_revision" FOREIGN KEY ("revision_id")
          REFERENCES ${s}."pipeline_revisions" ("id") ON DELETE CASCADE
      ) PARTITION BY RANGE ("created_at")`);
    await q(`CREATE INDEX "ix_executions_pipeline_queued" ON ${s}."executions" ("pipeline_id", "queued_at" DESC, "id" DESC)`);
    await q(`CREATE INDEX "ix_executions_queued" ON ${s}."executions" ("queued_at" DESC, "id" DESC)`);
    await q(`CREATE INDEX "ix_executions_status" ON ${s}."executions" ("status")`);
    await q(`CREATE INDEX "ix_executions_event" ON ${s}."executions" ("event_id", "event_workspace_id")`);
    await q(`CREATE INDEX "ix_executions_concurrency_active" ON ${s}."executions" ("concurrency_key")
      WHERE "concurrency_key" IS NOT NULL AND "status" IN ('queued', 'running', 'waiting')`);

    await q(`
      CREATE TABLE ${s}."step_runs" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "execution_id" uuid NOT NULL,
        "execution_created_at" timestamptz NOT NULL,
        "step_index" integer NOT NULL,
        "step_name" text NOT NULL,
        "step_type" text NOT NULL,
        "status" text NOT NULL DEFAULT 'pending',
        "attempts" integer NOT NULL DEFAULT 0,
        "max_attempts" integer NOT NULL DEFAULT 1,
        "rendered_config" jsonb,
        "outputs" jsonb,
        "logs" jsonb NOT NULL DEFAULT '[]',
        "progress" jsonb,
        "skip_reason" jsonb,
        "reused_from_attempt" integer,
        "error" text,
        "error_code" text,
        "lease_owner" text,
        "lease_expires_at" timestamptz,
        "queued_at" timestamptz NOT NULL DEFAULT now(),
        "started_at" timestamptz,
        "finished_at" timestamptz,
        "duration_ms" integer,
        CONSTRAINT "pk_step_runs" PRIMARY KEY ("id", "execution_created_at"),
        CONSTRAINT "uq_step_runs_execution_step" UNIQUE ("execution_id", "step_name", "execution_created_at"),
        CONSTRAINT "ck_step_runs_status"
          CHECK ("status" IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled')),
        CONSTRAINT "fk_step_runs_execution" FOREIGN KEY ("execution_id", "execution_created_at")
          REFERENCES ${s}."executions" ("id", "created_at") ON DELETE CASCADE
      ) PARTITION BY RANGE ("execution_created_at")`);

    await q(`
      CREATE TABLE ${s}."execution_keys" (
        "pipeline_id" uuid NOT NULL,
        "event_workspace_id" text NOT NULL,
        "event_id" text NOT NULL,
        "execution_id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_execution_keys" PRIMARY KEY ("pipeline_id", "event_workspace_id", "event_id"),
        CONSTRAINT "fk_execution_keys_pipeline" FOREIGN KEY ("pipeline_id")
          REFERENCES ${s}."pipelines" ("id") ON DELETE CASCADE
      )`);
    await q(`CREATE INDEX "ix_execution_keys_created" ON ${s}."execution_keys" ("created_at")`);

    const now = monthStart(new Date());
    const held = await q(`SELECT DISTINCT to_char("queued_at" AT TIME ZONE 'UTC', 'YYYY-MM') AS month FROM ${s}."executions_unpartitioned"`);
    const months = [
      ...held.map((r) => new Date(`${r.month as string}-01T00:00:00Z`)),
      ...Array.from({ length: MONTHS_AHEAD + 1 }, (_, i) => addMonths(now, i)),
    ];
    await createMonthPartitions(q, schema, months);

    await q(`INSERT INTO ${s}."executions" (${EXECUTION_COLUMNS}, "created_at") SELECT ${EXECUTION_COLUMNS}, "queued_at" FROM ${s}."executions_unpartitioned"`);
    await q(`INSERT INTO ${s}."execution_keys" ("pipeline_id", "event_workspace_id", "event_id", "execution_id", "created_at")
      SELECT "pipeline_id", "event_workspace_id", "event_id", "id", "queued_at" FROM ${s}."executions_unpartitioned"`);
    await q(`INSERT INTO ${s}."step_runs" (${STEP_RUN_COLUMNS}, "execution_created_at")
      SELECT ${STEP_RUN_COLUMNS.replace(/"/g, '').split(/,\s*/).map((c) => `r."${c}"`).join(', ')}, e."queued_at"
      FROM ${s}."step_runs_unpartitioned" r JOIN ${s}."executions_unpartitioned" e ON e."id" = r."execution_id"`);

    await q(`ALTER TABLE ${s}."artifacts" ADD COLUMN "execution_created_at" timestamptz`);
    await q(`UPDATE ${s}."artifacts" a SET "execution_created_at" = e."queued_at" FROM ${s}."executions_unpartitioned" e WHERE e."id" = a."execution_id"`);
    await q(`ALTER TABLE ${s}."artifacts" ALTER COLUMN "execution_created_at" SET NOT NULL`);
    await q(`ALTER TABLE ${s}."artifacts" ADD CONSTRAINT "fk_artifacts_execution" FOREIGN KEY ("execution_id", "execution_created_at")
      REFERENCES ${s}."executions" ("id", "created_at") ON DELETE CASCADE`);

    await q(`DROP TABLE ${s}."step_runs_unpartitioned"`);
    await q(`DROP TABLE ${s}."executions_unpartitioned"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoted(schemaName(queryRunner));
    const q = (text: string) => queryRunner.query(text) as Promise<Row[]>;
    await q(`ALTER TABLE ${s}."artifacts" DROP CONSTRAINT "fk_artifacts_execution"`);
    await q(`CREATE TABLE ${s}."executions_plain" (LIKE ${s}."executions" INCLUDING DEFAULTS)`);
    await q(`INSERT INTO ${s}."executions_plain" SELECT * FROM ${s}."executions"`);
    await q(`CREATE TABLE ${s}."step_runs_plain" (LIKE ${s}."step_runs" INCLUDING DEFAULTS)`);
    await q(`INSERT INTO ${s}."step_runs_plain" SELECT * FROM ${s}."step_runs"`);
    await q(`DROP TABLE ${s}."step_runs"`);
    await q(`DROP TABLE ${s}."executions"`);
    await q(`DROP TABLE ${s}."execution_keys"`);
    await q(`ALTER TABLE ${s}."executions_plain" RENAME TO "executions"`);
    await q(`ALTER TABLE ${s}."step_runs_plain" RENAME TO "step_runs"`);
    await q(`ALTER TABLE ${s}."executions" DROP COLUMN "created_at"`);
    await q(`ALTER TABLE ${s}."step_runs" DROP COLUMN "execution_created_at"`);
    await q(`ALTER TABLE ${s}."artifacts" DROP COLUMN "execution_created_at"`);
    await q(`ALTER TABLE ${s}."executions" ADD CONSTRAINT "pk_executions" PRIMARY KEY ("id"),
      ADD CONSTRAINT "uq_executions_pipeline_event" UNIQUE ("pipeline_id", "event_workspace_id", "event_id"),
      ADD CONSTRAINT "ck_executions_status" CHECK ("status" IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled')),
      ADD CONSTRAINT "fk_executions_pipeline" FOREIGN KEY ("pipeline_id") REFERENCES ${s}."pipelines" ("id") ON DELETE CASCADE,
      ADD CONSTRAINT "fk_executions_revision" FOREIGN KEY ("revision_id") REFERENCES ${s}."pipeline_revisions" ("id") ON DELETE CASCADE`);
    await q(`CREATE INDEX "ix_executions_pipeline_queued" ON ${s}."executions" ("pipeline_id", "queued_at" DESC, "id" DESC)`);
    await q(`CREATE INDEX "ix_executions_queued" ON ${s}."executions" ("queued_at" DESC, "id" DESC)`);
    await q(`CREATE INDEX "ix_executions_status" ON ${s}."executions" ("status")`);
    await q(`CREATE INDEX "ix_executions_event" ON ${s}."executions" ("event_id", "event_workspace_id")`);
    await q(`CREATE INDEX "ix_executions_concurrency_active" ON ${s}."executions" ("concurrency_key")
      WHERE "concurrency_key" IS NOT NULL AND "status" IN ('queued', 'running', 'waiting')`);
    await q(`ALTER TABLE ${s}."step_runs" ADD CONSTRAINT "pk_step_runs" PRIMARY KEY ("id"),
      ADD CONSTRAINT "uq_step_runs_execution_step" UNIQUE ("execution_id", "step_name"),
      ADD CONSTRAINT "ck_step_runs_status" CHECK ("status" IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled')),
      ADD CONSTRAINT "fk_step_runs_execution" FOREIGN KEY ("execution_id") REFERENCES ${s}."executions" ("id") ON DELETE CASCADE`);
    await q(`ALTER TABLE ${s}."artifacts" ADD CONSTRAINT "fk_artifacts_execution" FOREIGN KEY ("execution_id")
      REFERENCES ${s}."executions" ("id") ON DELETE CASCADE`);
  }
}

function schemaName(queryRunner: QueryRunner): string {
  return (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
}

function quoted(schema: string): string {
  return `"${schema.replace(/"/g, '""')}"`;
}
