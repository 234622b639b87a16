import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event snapshot becomes `json` (kept as the producer wrote it: jsonb reorders object keys, and
 * templates such as `{{event.drift_data}}` write it back out into files and messages).
 *
 * Executions can be re-run (like GitHub Actions' "re-run all jobs"): `run_attempt` counts the runs of
 * one execution, and step jobs are keyed by it so a re-run's jobs are not taken for duplicates.
 */
export class ExecutionRunAttempt1735689650000 implements MigrationInterface {
  name = 'ExecutionRunAttempt1735689650000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${schemaOf(queryRunner)}."executions" ADD "run_attempt" integer NOT NULL DEFAULT 1`);
    await queryRunner.query(`ALTER TABLE ${schemaOf(queryRunner)}."executions" ALTER COLUMN "event" TYPE json USING "event"::json`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${schemaOf(queryRunner)}."executions" ALTER COLUMN "event" TYPE jsonb USING "event"::jsonb`);
    await queryRunner.query(`ALTER TABLE ${schemaOf(queryRunner)}."executions" DROP COLUMN "run_attempt"`);
  }
}

function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
  return `"${schema.replace(/"/g, '""')}"`;
}
