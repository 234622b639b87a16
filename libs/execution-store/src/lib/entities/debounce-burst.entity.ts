import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { PipelineEntity } from './pipeline.entity';

/**
 * One debounce burst (docs/language.md): the last event of a key's burst and when it fires. Any
 * matcher replica claims a due burst with a compare-and-set, starts its execution, then marks it
 * fired; fired bursts are kept a day so a redelivered event of the burst is recognised.
 */
@Entity({ name: 'debounce_bursts' })
@Index('ix_debounce_bursts_key', ['key', 'firstAt'])
@Index('ix_debounce_bursts_due', { synchronize: false })
export class DebounceBurstEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_debounce_bursts' })
  id: string;

  @Column('text')
  key: string;

  @Column('uuid', { name: 'pipeline_id' })
  pipelineId: string;

  @ManyToOne(() => PipelineEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pipeline_id', foreignKeyConstraintName: 'fk_debounce_bursts_pipeline' })
  pipeline?: PipelineEntity;

  @Column('integer', { name: 'trigger_index' })
  triggerIndex: number;

  @Column('json')
  event: unknown;

  @Column('bigint', { name: 'event_order', array: true })
  eventOrder: string[];

  @Column('integer')
  count: number;

  @Column('timestamptz', { name: 'first_at' })
  firstAt: Date;

  @Column('timestamptz', { name: 'last_at' })
  lastAt: Date;

  @Column('timestamptz', { name: 'fire_at' })
  fireAt: Date;

  @Column('timestamptz', { name: 'claimed_until', nullable: true })
  claimedUntil: Date | null;

  @Column('timestamptz', { name: 'fired_at', nullable: true })
  firedAt: Date | null;

  @Column('uuid', { name: 'execution_id', nullable: true })
  executionId: string | null;
}
