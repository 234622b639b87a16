import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { PipelineEntity } from './pipeline.entity';
import { PipelineRevisionEntity } from './pipeline-revision.entity';

// The paging index has DESC columns, which TypeORM's index metadata cannot express; the migration owns it.
// Partitioned by month of `created_at` (migration 1764600000000, partitions.ts); an event's uniqueness
// per pipeline lives in `execution_keys`, which a partitioned table cannot hold across months.
@Entity({ name: 'executions' })
@Index('ix_executions_pipeline_queued', { synchronize: false })
@Index('ix_executions_queued', { synchronize: false })
@Index('ix_executions_status', ['status'])
@Index('ix_executions_concurrency_active', { synchronize: false })
@Index('ix_executions_event', ['eventId', 'eventWorkspaceId'])
@Check('ck_executions_status', `"status" IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled')`)
export class ExecutionEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_executions' })
  id: string;

  /** When it was created (fixed; a re-run moves queued_at): the month partition it lives in. */
  @PrimaryColumn('timestamptz', { name: 'created_at', default: () => 'now()', primaryKeyConstraintName: 'pk_executions' })
  createdAt: Date;

  @Column('uuid', { name: 'pipeline_id' })
  pipelineId: string;

  @ManyToOne(() => PipelineEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pipeline_id', foreignKeyConstraintName: 'fk_executions_pipeline' })
  pipeline?: PipelineEntity;

  @Column('uuid', { name: 'revision_id' })
  revisionId: string;

  @ManyToOne(() => PipelineRevisionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'revision_id', foreignKeyConstraintName: 'fk_executions_revision' })
  pipelineRevision?: PipelineRevisionEntity;

  /** The pipeline's owner (null: a global pipeline), fixed at creation; access checks use it. */
  @Column('text', { name: 'workspace_id', nullable: true })
  workspaceId: string | null;

  /** The event's workspace ('' for none): producer event ids are unique per workspace. */
  @Column('text', { name: 'event_workspace_id', default: '' })
  eventWorkspaceId: string;

  @Column('text', { name: 'event_id' })
  eventId: string;

  @Column('text', { name: 'event_type' })
  eventType: string;

  /** `json`, not `jsonb`: the event is kept as the producer wrote it (key order included). */
  @Column('json')
  event: unknown;

  @Column('text', { default: 'queued' })
  status: string;

  @Column('integer', { name: 'run_attempt', default: 1 })
  runAttempt: number;

  @Column('text', { name: 'trace_id', nullable: true })
  traceId: string | null;

  @Column('text', { nullable: true })
  traceparent: string | null;

  @Column('text', { nullable: true })
  error: string | null;

  @Column('timestamptz', { name: 'queued_at', default: () => 'now()' })
  queuedAt: Date;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt: Date | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;

  /** Its concurrency group, scoped to the pipeline's owner (pipeline-core concurrencyGroupKey); null: none. */
  @Column('text', { name: 'concurrency_key', nullable: true })
  concurrencyKey: string | null;

  /** The group as rendered from the event (what users see). */
  @Column('text', { name: 'concurrency_group', nullable: true })
  concurrencyGroup: string | null;

  /** Its place in the group's queue: the event's stream position `[ms, seq]` (a re-run's: when it was re-run). */
  @Column('bigint', { name: 'concurrency_order', array: true, nullable: true })
  concurrencyOrder: string[] | null;

  /** The run attempt for which it joined the group's queue (the admission decision was taken). */
  @Column('integer', { name: 'concurrency_joined', nullable: true })
  concurrencyJoined: number | null;

  /** The run attempt for which the group let it start; it holds the group while that attempt is active. */
  @Column('integer', { name: 'concurrency_admitted', nullable: true })
  concurrencyAdmitted: number | null;

  @Column('timestamptz', { name: 'concurrency_admitted_at', nullable: true })
  concurrencyAdmittedAt: Date | null;
}
