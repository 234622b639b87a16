import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema: pipelines, their immutable revisions, executions and step runs. Table names are
 * qualified with the data source's schema so that each install (and each test file) can live in its
 * own Postgres schema. gen_random_uuid() is core since Postgres 13, so no extension is needed.
 */
export class InitialSchema1735689600000 implements MigrationInterface {
  name = 'InitialSchema1735689600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}."pipelines" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" text NOT NULL,
        "workspace_id" text,
        "enabled" boolean NOT NULL DEFAULT true,
        "current_revision_id" uuid,
        "current_revision" integer NOT NULL DEFAULT 0,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "deleted_at" timestamptz,
        CONSTRAINT "pk_pipelines" PRIMARY KEY ("id")
      )`);
    // A null workspace is one scope of its own; deleted pipelines free their name.
    await queryRunner.query(`
      CREATE UNIQUE INDEX "uq_pipelines_workspace_name" ON ${s}."pipelines" (COALESCE("workspace_id", ''), "name")
      WHERE "deleted_at" IS NULL`);
    await queryRunner.query(`CREATE INDEX "ix_pipelines_created" ON ${s}."pipelines" ("created_at", "id")`);

    await queryRunner.query(`
      CREATE TABLE ${s}."pipeline_revisions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "pipeline_id" uuid NOT NULL,
        "revision" integer NOT NULL,
        "document" jsonb NOT NULL,
        "source_text" text NOT NULL,
        "source_format" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_pipeline_revisions" PRIMARY KEY ("id"),
        CONSTRAINT "uq_pipeline_revisions_pipeline_revision" UNIQUE ("pipeline_id", "revision"),
        CONSTRAINT "ck_pipeline_revisions_source_format" CHECK ("source_format" IN ('yaml', 'json')),
        CONSTRAINT "fk_pipeline_revisions_pipeline" FOREIGN KEY ("pipeline_id")
          REFERENCES ${s}."pipelines" ("id") ON DELETE CASCADE
      )`);

    await queryRunner.query(`
      CREATE TABLE ${s}."executions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "pipeline_id" uuid NOT NULL,
        "revision_id" uuid NOT NULL,
        "workspace_id" text,
        "event_id" text NOT NULL,
        "event_type" text NOT NULL,
        "event" jsonb NOT NULL,
        "status" text NOT NULL DEFAULT 'queued',
        "error" text,
        "queued_at" timestamptz NOT NULL DEFAULT now(),
        "started_at" timestamptz,
        "finished_at" timestamptz,
        CONSTRAINT "pk_executions" PRIMARY KEY ("id"),
        CONSTRAINT "uq_executions_pipeline_event" UNIQUE ("pipeline_id", "event_id"),
        CONSTRAINT "ck_executions_status"
          CHECK ("status" IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled')),
        CONSTRAINT "fk_executions_pipeline" FOREIGN KEY ("pipeline_id")
          REFERENCES ${s}."pipelines" ("id") ON DELETE CASCADE,
        CONSTRAINT "fk_executions_revision" FOREIGN KEY ("revision_id")
          REFERENCES ${s}."pipeline_revisions" ("id") ON DELETE CASCADE
      )`);
    // Keyset paging of a pipeline's executions, newest first.
    await queryRunner.query(
      `CREATE INDEX "ix_executions_pipeline_queued" ON ${s}."executions" ("pipeline_id", "queued_at" DESC, "id" DESC)`,
    );
    await queryRunner.query(`CREATE INDEX "ix_executions_status" ON ${s}."executions" ("status")`);

    await queryRunner.query(`
      CREATE TABLE ${s}."step_runs" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "execution_id" uuid NOT NULL,
        "step_index" integer NOT NULL,
        "step_name" text NOT NULL,
        "step_type" text NOT NULL,
        "status" text NOT NULL DEFAULT 'pending',
        "attempts" integer NOT NULL DEFAULT 0,
        "max_attempts" integer NOT NULL DEFAULT 1,
        "rendered_config" jsonb,
        "outputs" jsonb,
        "logs" jsonb NOT NULL DEFAULT '[]',
        "error" text,
        "error_code" text,
        "lease_owner" text,
        "lease_expires_at" timestamptz,
        "queued_at" timestamptz NOT NULL DEFAULT now(),
        "started_at" timestamptz,
        "finished_at" timestamptz,
        "duration_ms" integer,
        CONSTRAINT "pk_step_runs" PRIMARY KEY ("id"),
        CONSTRAINT "uq_step_runs_execution_step" UNIQUE ("execution_id", "step_name"),
        CONSTRAINT "ck_step_runs_status"
          CHECK ("status" IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled')),
        CONSTRAINT "fk_step_runs_execution" FOREIGN KEY ("execution_id")
          REFERENCES ${s}."executions" ("id") ON DELETE CASCADE
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}."step_runs"`);
    await queryRunner.query(`DROP TABLE ${s}."executions"`);
    await queryRunner.query(`DROP TABLE ${s}."pipeline_revisions"`);
    await queryRunner.query(`DROP TABLE ${s}."pipelines"`);
  }
}

function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
  return `"${schema.replace(/"/g, '""')}"`;
}
