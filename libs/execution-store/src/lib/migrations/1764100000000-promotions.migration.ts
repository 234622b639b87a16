import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The promotion model: per workspace the ordered environments (absent row = the default
 * dev → test → prod), which version of each entity is in each environment, and the promotions that
 * moved them. Qualified with the data source's schema like the initial migration. Promotions keep no
 * foreign key to executions: they are an audit trail that outlives the execution that asked for them.
 */
export class Promotions1764100000000 implements MigrationInterface {
  name = 'Promotions1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}."promotion_environments" (
        "workspace_id" text NOT NULL,
        "environments" text array NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_promotion_environments" PRIMARY KEY ("workspace_id"),
        CONSTRAINT "ck_promotion_environments_count" CHECK (cardinality("environments") >= 2)
      )`);

    await queryRunner.query(`
      CREATE TABLE ${s}."entity_versions" (
        "workspace_id" text NOT NULL,
        "entity_type" text NOT NULL,
        "entity_id" text NOT NULL,
        "environment" text NOT NULL,
        "version" text NOT NULL,
        "promotion_id" uuid,
        "event_id" text,
        "effective_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_entity_versions" PRIMARY KEY ("workspace_id", "entity_type", "entity_id", "environment"),
        CONSTRAINT "ck_entity_versions_entity_type" CHECK ("entity_type" IN ('scenario', 'persona', 'config'))
      )`);

    await queryRunner.query(`
      CREATE TABLE ${s}."promotions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "workspace_id" text NOT NULL,
        "entity_type" text NOT NULL,
        "entity_id" text NOT NULL,
        "version" text,
        "from_environment" text NOT NULL,
        "to_environment" text NOT NULL,
        "status" text NOT NULL DEFAULT 'pending',
        "require_approval" boolean NOT NULL DEFAULT false,
        "comments" text,
        "execution_id" uuid,
        "step_name" text,
        "decided_by" text,
        "decision_comments" text,
        "error" text,
        "error_code" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "decided_at" timestamptz,
        "completed_at" timestamptz,
        CONSTRAINT "pk_promotions" PRIMARY KEY ("id"),
        CONSTRAINT "uq_promotions_execution_step" UNIQUE ("execution_id", "step_name"),
        CONSTRAINT "ck_promotions_status" CHECK ("status" IN ('pending', 'approved', 'rejected', 'completed', 'failed')),
        CONSTRAINT "ck_promotions_entity_type" CHECK ("entity_type" IN ('scenario', 'persona', 'config'))
      )`);
    // Keyset paging, newest first: per workspace, and across workspaces by status (the approval queue).
    await queryRunner.query(
      `CREATE INDEX "ix_promotions_workspace_created" ON ${s}."promotions" ("workspace_id", "created_at" DESC, "id" DESC)`,
    );
    await queryRunner.query(`CREATE INDEX "ix_promotions_status_created" ON ${s}."promotions" ("status", "created_at" DESC, "id" DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}."promotions"`);
    await queryRunner.query(`DROP TABLE ${s}."entity_versions"`);
    await queryRunner.query(`DROP TABLE ${s}."promotion_environments"`);
  }
}

function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
  return `"${schema.replace(/"/g, '""')}"`;
}
