import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenancy (PRODUCT §9):
 * - an execution belongs to its pipeline's owner from creation on (global pipelines: no workspace),
 *   so rows created when it was copied from the event are corrected;
 * - producer event ids are unique per workspace, so one execution per (pipeline, event workspace,
 *   event id): the same id from two workspaces is two events;
 * - workspace secrets, encrypted at rest (AES-256-GCM; the key id lets keys rotate).
 */
export class Tenancy1764200000000 implements MigrationInterface {
  name = 'Tenancy1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}."executions" ADD COLUMN "event_workspace_id" text NOT NULL DEFAULT ''`);
    await queryRunner.query(`UPDATE ${s}."executions" SET "event_workspace_id" = COALESCE("event"->>'workspace_id', '')`);
    await queryRunner.query(`
      UPDATE ${s}."executions" e SET "workspace_id" = p."workspace_id"
      FROM ${s}."pipelines" p WHERE p."id" = e."pipeline_id" AND e."workspace_id" IS DISTINCT FROM p."workspace_id"`);
    await queryRunner.query(`ALTER TABLE ${s}."executions" DROP CONSTRAINT "uq_executions_pipeline_event"`);
    await queryRunner.query(
      `ALTER TABLE ${s}."executions" ADD CONSTRAINT "uq_executions_pipeline_event" UNIQUE ("pipeline_id", "event_workspace_id", "event_id")`,
    );
    await queryRunner.query(`
      CREATE TABLE ${s}."workspace_secrets" (
        "workspace_id" text NOT NULL,
        "name" text NOT NULL,
        "key_id" text NOT NULL,
        "iv" bytea NOT NULL,
        "ciphertext" bytea NOT NULL,
        "auth_tag" bytea NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_workspace_secrets" PRIMARY KEY ("workspace_id", "name")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}."workspace_secrets"`);
    await queryRunner.query(`ALTER TABLE ${s}."executions" DROP CONSTRAINT "uq_executions_pipeline_event"`);
    await queryRunner.query(`ALTER TABLE ${s}."executions" ADD CONSTRAINT "uq_executions_pipeline_event" UNIQUE ("pipeline_id", "event_id")`);
    await queryRunner.query(`ALTER TABLE ${s}."executions" DROP COLUMN "event_workspace_id"`);
  }
}

function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
  return `"${schema.replace(/"/g, '""')}"`;
}
