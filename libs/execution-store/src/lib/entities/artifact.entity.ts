import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { ExecutionEntity } from './execution.entity';

/** A file an execution produced (the SDK archive...), stored in Postgres; one per (execution, name). */
@Entity({ name: 'artifacts' })
@Unique('uq_artifacts_execution_name', ['executionId', 'name'])
export class ArtifactEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_artifacts' })
  id: string;

  @Column('uuid', { name: 'execution_id' })
  executionId: string;

  /** Its execution's created_at (the execution's month partition; the foreign key needs it). */
  @Column('timestamptz', { name: 'execution_created_at' })
  executionCreatedAt: Date;

  @ManyToOne(() => ExecutionEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'execution_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_artifacts_execution' },
    { name: 'execution_created_at', referencedColumnName: 'createdAt', foreignKeyConstraintName: 'fk_artifacts_execution' },
  ])
  execution?: ExecutionEntity;

  @Column('text', { name: 'step_name' })
  stepName: string;

  @Column('text')
  name: string;

  @Column('text', { name: 'media_type' })
  mediaType: string;

  @Column('integer')
  size: number;

  @Column('text')
  sha256: string;

  @Column('bytea')
  content: Buffer;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
