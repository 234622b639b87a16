import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Artifacts an execution's steps produced (e.g. the SDK archive of regenerate_sdk), kept in Postgres
 * so any gateway replica can serve them without shared disk. One artifact per (execution, name): a
 * re-run of the step replaces it. Qualified with the data source's schema like the initial migration.
 */
export class Artifacts1764000000000 implements MigrationInterface {
  name = 'Artifacts1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}."artifacts" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "execution_id" uuid NOT NULL,
        "step_name" text NOT NULL,
        "name" text NOT NULL,
        "media_type" text NOT NULL,
        "size" integer NOT NULL,
        "sha256" text NOT NULL,
        "content" bytea NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_artifacts" PRIMARY KEY ("id"),
        CONSTRAINT "uq_artifacts_execution_name" UNIQUE ("execution_id", "name"),
        CONSTRAINT "fk_artifacts_execution" FOREIGN KEY ("execution_id")
          REFERENCES ${s}."executions" ("id") ON DELETE CASCADE
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${schemaOf(queryRunner)}."artifacts"`);
  }
}

function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
  return `"${schema.replace(/"/g, '""')}"`;
}
