import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pipeline language v2 (docs/language.md): concurrency groups and debounce.
 * - An execution in a concurrency group keeps its group on its row: the scoped key, the rendered
 *   name, the order of its event, and the run attempt for which it joined the queue and for which
 *   it was admitted. The group's running execution is the one admitted for its current attempt and
 *   still active, so finishing an execution releases its group in the same statement.
 * - A debounce burst is a row with its due time; any matcher claims due bursts with a
 *   compare-and-set. Fired bursts are kept for a day so a redelivered event is recognised.
 */
export class ConcurrencyDebounce1764570000000 implements MigrationInterface {
  name = 'ConcurrencyDebounce1764570000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}."executions"
      ADD COLUMN "concurrency_key" text,
      ADD COLUMN "concurrency_group" text,
      ADD COLUMN "concurrency_order" bigint array,
      ADD COLUMN "concurrency_joined" integer,
      ADD COLUMN "concurrency_admitted" integer,
      ADD COLUMN "concurrency_admitted_at" timestamptz`);
    await queryRunner.query(`CREATE INDEX "ix_executions_concurrency_active" ON ${s}."executions" ("concurrency_key")
      WHERE "concurrency_key" IS NOT NULL AND "status" IN ('queued', 'running', 'waiting')`);
    await queryRunner.query(`CREATE TABLE ${s}."debounce_bursts" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "key" text NOT NULL,
        "pipeline_id" uuid NOT NULL,
        "trigger_index" integer NOT NULL,
        "event" json NOT NULL,
        "event_order" bigint array NOT NULL,
        "count" integer NOT NULL,
        "first_at" timestamptz NOT NULL,
        "last_at" timestamptz NOT NULL,
        "fire_at" timestamptz NOT NULL,
        "claimed_until" timestamptz,
        "fired_at" timestamptz,
        "execution_id" uuid,
        CONSTRAINT "pk_debounce_bursts" PRIMARY KEY ("id"),
        CONSTRAINT "fk_debounce_bursts_pipeline" FOREIGN KEY ("pipeline_id")
          REFERENCES ${s}."pipelines" ("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "ix_debounce_bursts_key" ON ${s}."debounce_bursts" ("key", "first_at")`);
    await queryRunner.query(`CREATE INDEX "ix_debounce_bursts_due" ON ${s}."debounce_bursts" ("fire_at") WHERE "fired_at" IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}."debounce_bursts"`);
    await queryRunner.query(`DROP INDEX ${s}."ix_executions_concurrency_active"`);
    await queryRunner.query(`ALTER TABLE ${s}."executions"
      DROP COLUMN "concurrency_key", DROP COLUMN "concurrency_group", DROP COLUMN "concurrency_order",
      DROP COLUMN "concurrency_joined", DROP COLUMN "concurrency_admitted", DROP COLUMN "concurrency_admitted_at"`);
  }
}

function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
  return `"${schema.replace(/"/g, '""')}"`;
}
