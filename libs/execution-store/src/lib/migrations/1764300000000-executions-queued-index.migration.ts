import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The run view lists executions across pipelines, newest first, page by page: an index on
 * (queued_at DESC, id DESC) serves that order and its keyset cursor without a sort.
 */
export class ExecutionsQueuedIndex1764300000000 implements MigrationInterface {
  name = 'ExecutionsQueuedIndex1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "ix_executions_queued" ON ${schemaOf(queryRunner)}."executions" ("queued_at" DESC, "id" DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ${schemaOf(queryRunner)}."ix_executions_queued"`);
  }
}

function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
  return `"${schema.replace(/"/g, '""')}"`;
}
