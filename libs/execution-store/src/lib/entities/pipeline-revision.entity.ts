import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { PipelineEntity } from './pipeline.entity';

/** One immutable saved version of a pipeline; executions stay pinned to the revision they started on. */
@Entity({ name: 'pipeline_revisions' })
@Unique('uq_pipeline_revisions_pipeline_revision', ['pipelineId', 'revision'])
@Check('ck_pipeline_revisions_source_format', `"source_format" IN ('yaml', 'json')`)
export class PipelineRevisionEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_pipeline_revisions' })
  id: string;

  @Column('uuid', { name: 'pipeline_id' })
  pipelineId: string;

  @ManyToOne(() => PipelineEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pipeline_id', foreignKeyConstraintName: 'fk_pipeline_revisions_pipeline' })
  pipeline?: PipelineEntity;

  @Column('integer')
  revision: number;

  @Column('jsonb')
  document: unknown;

  @Column('text', { name: 'source_text' })
  sourceText: string;

  @Column('text', { name: 'source_format' })
  sourceFormat: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
