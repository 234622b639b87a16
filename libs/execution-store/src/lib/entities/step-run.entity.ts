import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { ExecutionEntity } from './execution.entity';

/**
 * One row per step of an execution: the state a worker claims, leases and completes. Partitioned by
 * its execution's month (`execution_created_at`), so an execution and its step runs share a month.
 */
@Entity({ name: 'step_runs' })
@Unique('uq_step_runs_execution_step', ['executionId', 'stepName', 'executionCreatedAt'])
@Check('ck_step_runs_status', `"status" IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled')`)
export class StepRunEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_step_runs' })
  id: string;

  @Column('uuid', { name: 'execution_id' })
  executionId: string;

  /** Its execution's created_at: the month partition it lives in. */
  @PrimaryColumn('timestamptz', { name: 'execution_created_at', primaryKeyConstraintName: 'pk_step_runs' })
  executionCreatedAt: Date;

  @ManyToOne(() => ExecutionEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'execution_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_step_runs_execution' },
    { name: 'execution_created_at', referencedColumnName: 'createdAt', foreignKeyConstraintName: 'fk_step_runs_execution' },
  ])
  execution?: ExecutionEntity;

  @Column('integer', { name: 'step_index' })
  stepIndex: number;

  @Column('text', { name: 'step_name' })
  stepName: string;

  @Column('text', { name: 'step_type' })
  stepType: string;

  @Column('text', { default: 'pending' })
  status: string;

  @Column('integer', { default: 0 })
  attempts: number;

  @Column('integer', { name: 'max_attempts', default: 1 })
  maxAttempts: number;

  @Column('jsonb', { name: 'rendered_config', nullable: true })
  renderedConfig: unknown;

  @Column('jsonb', { nullable: true })
  outputs: unknown;

  @Column('jsonb', { default: () => "'[]'" })
  logs: unknown;

  @Column('jsonb', { nullable: true })
  progress: unknown;

  @Column('jsonb', { name: 'skip_reason', nullable: true })
  skipReason: unknown;

  @Column('integer', { name: 'reused_from_attempt', nullable: true })
  reusedFromAttempt: number | null;

  @Column('text', { nullable: true })
  error: string | null;

  @Column('text', { name: 'error_code', nullable: true })
  errorCode: string | null;

  @Column('text', { name: 'lease_owner', nullable: true })
  leaseOwner: string | null;

  @Column('timestamptz', { name: 'lease_expires_at', nullable: true })
  leaseExpiresAt: Date | null;

  @Column('timestamptz', { name: 'queued_at', default: () => 'now()' })
  queuedAt: Date;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt: Date | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;

  @Column('integer', { name: 'duration_ms', nullable: true })
  durationMs: number | null;
}
