import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

// The name-uniqueness index is an expression index (COALESCE(workspace_id, '')) that TypeORM cannot
// model; the migration owns it and the schema builder must leave it alone.
@Entity({ name: 'pipelines' })
@Index('uq_pipelines_workspace_name', { synchronize: false })
@Index('ix_pipelines_created', ['createdAt', 'id'])
export class PipelineEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_pipelines' })
  id: string;

  @Column('text')
  name: string;

  @Column('text', { name: 'workspace_id', nullable: true })
  workspaceId: string | null;

  @Column('boolean', { default: true })
  enabled: boolean;

  // No foreign key: pipelines and revisions would reference each other.
  @Column('uuid', { name: 'current_revision_id', nullable: true })
  currentRevisionId: string | null;

  @Column('integer', { name: 'current_revision', default: 0 })
  currentRevision: number;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt: Date | null;
}
