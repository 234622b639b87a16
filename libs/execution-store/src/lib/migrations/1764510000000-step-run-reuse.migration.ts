import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Re-run from the failed step: a step run that succeeded in an earlier run attempt is kept (status,
 * outputs, logs) instead of running again, and records the attempt it ran in. Null for a step run of
 * the current attempt.
 */
export class StepRunReuse1764510000000 implements MigrationInterface {
  name = 'StepRunReuse1764510000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${schemaOf(queryRunner)}."step_runs" ADD COLUMN "reused_from_attempt" integer`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${schemaOf(queryRunner)}."step_runs" DROP COLUMN "reused_from_attempt"`);
  }
}

function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
  return `"${schema.replace(/"/g, '""')}"`;
}
