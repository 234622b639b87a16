import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why a step was skipped (pipeline-core's SkipReason: a need failed or was skipped, its `if:` was
 * false, the execution was cancelled), shown next to the `skipped` status. Null for steps that ran.
 */
export class StepSkipReason1764500000000 implements MigrationInterface {
  name = 'StepSkipReason1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${schemaOf(queryRunner)}."step_runs" ADD COLUMN "skip_reason" jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${schemaOf(queryRunner)}."step_runs" DROP COLUMN "skip_reason"`);
  }
}

function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
  return `"${schema.replace(/"/g, '""')}"`;
}
