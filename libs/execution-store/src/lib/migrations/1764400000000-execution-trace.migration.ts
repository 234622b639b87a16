import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tracing: an execution keeps the W3C trace context it was created in (the matcher's span for it),
 * so every step run joins the event's trace, and its trace id, which the API shows. Both null when
 * nothing was traced.
 */
export class ExecutionTrace1764400000000 implements MigrationInterface {
  name = 'ExecutionTrace1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${schemaOf(queryRunner)}."executions" ADD COLUMN "trace_id" text NULL, ADD COLUMN "traceparent" text NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${schemaOf(queryRunner)}."executions" DROP COLUMN "traceparent", DROP COLUMN "trace_id"`);
  }
}

function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
  return `"${schema.replace(/"/g, '""')}"`;
}
