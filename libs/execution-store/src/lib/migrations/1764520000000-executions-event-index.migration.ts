import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `mockforge events replay EVENT_ID` finds a stored event by its id (the unique index leads with the pipeline). */
export class ExecutionsEventIndex1764520000000 implements MigrationInterface {
  name = 'ExecutionsEventIndex1764520000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "ix_executions_event" ON ${schemaOf(queryRunner)}."executions" ("event_id", "event_workspace_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ${schemaOf(queryRunner)}."ix_executions_event"`);
  }
}

function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
  return `"${schema.replace(/"/g, '""')}"`;
}
