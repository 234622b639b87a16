import { Column, Entity, Generated, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { PipelineEntity } from './pipeline.entity';

/**
 * At most one execution per (pipeline, event workspace, event id), in any month: the matcher's batch
 * insert conflicts on this small unpartitioned table, so a redelivered event (or a dead-letter replay
 * a month later) creates nothing. Keys go with their month when the retention drops it.
 */
@Entity({ name: 'execution_keys' })
@Index('ix_execution_keys_created', ['createdAt'])
export class ExecutionKeyEntity {
  @PrimaryColumn('uuid', { name: 'pipeline_id', primaryKeyConstraintName: 'pk_execution_keys' })
  pipelineId: string;

  @ManyToOne(() => PipelineEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pipeline_id', foreignKeyConstraintName: 'fk_execution_keys_pipeline' })
  pipeline?: PipelineEntity;

  @PrimaryColumn('text', { name: 'event_workspace_id', primaryKeyConstraintName: 'pk_execution_keys' })
  eventWorkspaceId: string;

  @PrimaryColumn('text', { name: 'event_id', primaryKeyConstraintName: 'pk_execution_keys' })
  eventId: string;

  /** The id its execution gets (generated with the key, in the same statement). */
  @Column('uuid', { name: 'execution_id' })
  @Generated('uuid')
  executionId: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
