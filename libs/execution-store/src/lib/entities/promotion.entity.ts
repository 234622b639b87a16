import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * One request to move an entity's version from one environment to the next. At most one per
 * (execution, step), so a re-run of the step finds its promotion instead of making a second one.
 */
@Entity({ name: 'promotions' })
@Unique('uq_promotions_execution_step', ['executionId', 'stepName'])
// The paging indexes have DESC columns, which TypeORM's index metadata cannot express; the migration owns them.
@Index('ix_promotions_workspace_created', { synchronize: false })
@Index('ix_promotions_status_created', { synchronize: false })
@Check('ck_promotions_status', `"status" IN ('pending', 'approved', 'rejected', 'completed', 'failed')`)
@Check('ck_promotions_entity_type', `"entity_type" IN ('scenario', 'persona', 'config')`)
export class PromotionEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_promotions' })
  id: string;

  @Column('text', { name: 'workspace_id' })
  workspaceId: string;

  @Column('text', { name: 'entity_type' })
  entityType: string;

  @Column('text', { name: 'entity_id' })
  entityId: string;

  @Column('text', { nullable: true })
  version: string | null;

  @Column('text', { name: 'from_environment' })
  fromEnvironment: string;

  @Column('text', { name: 'to_environment' })
  toEnvironment: string;

  @Column('text', { default: 'pending' })
  status: string;

  @Column('boolean', { name: 'require_approval', default: false })
  requireApproval: boolean;

  @Column('text', { nullable: true })
  comments: string | null;

  @Column('uuid', { name: 'execution_id', nullable: true })
  executionId: string | null;

  @Column('text', { name: 'step_name', nullable: true })
  stepName: string | null;

  @Column('text', { name: 'decided_by', nullable: true })
  decidedBy: string | null;

  @Column('text', { name: 'decision_comments', nullable: true })
  decisionComments: string | null;

  @Column('text', { nullable: true })
  error: string | null;

  @Column('text', { name: 'error_code', nullable: true })
  errorCode: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'decided_at', nullable: true })
  decidedAt: Date | null;

  @Column('timestamptz', { name: 'completed_at', nullable: true })
  completedAt: Date | null;
}
