import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a step already did, kept across its attempts (e.g. the Slack channels a message reached), so
 * that a retry does only what is missing. Cleared when the execution is re-run.
 */
export class StepProgress1764450000000 implements MigrationInterface {
  name = 'StepProgress1764450000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${schemaOf(queryRunner)}."step_runs" ADD COLUMN "progress" jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${schemaOf(queryRunner)}."step_runs" DROP COLUMN "progress"`);
  }
}

function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
  return `"${schema.replace(/"/g, '""')}"`;
}
