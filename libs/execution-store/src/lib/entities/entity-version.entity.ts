import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** Which version of an entity is in an environment of a workspace, and what put it there. */
@Entity({ name: 'entity_versions' })
@Check('ck_entity_versions_entity_type', `"entity_type" IN ('scenario', 'persona', 'config')`)
export class EntityVersionEntity {
  @PrimaryColumn('text', { name: 'workspace_id', primaryKeyConstraintName: 'pk_entity_versions' })
  workspaceId: string;

  @PrimaryColumn('text', { name: 'entity_type', primaryKeyConstraintName: 'pk_entity_versions' })
  entityType: string;

  @PrimaryColumn('text', { name: 'entity_id', primaryKeyConstraintName: 'pk_entity_versions' })
  entityId: string;

  @PrimaryColumn('text', { primaryKeyConstraintName: 'pk_entity_versions' })
  environment: string;

  @Column('text')
  version: string;

  /** The promotion that put this version here; null when a publish event recorded it. */
  @Column('uuid', { name: 'promotion_id', nullable: true })
  promotionId: string | null;

  /** The publish event that recorded it; null for promotions. */
  @Column('text', { name: 'event_id', nullable: true })
  eventId: string | null;

  /** When the fact happened (event time or promotion time): an older redelivered event never overwrites a newer version. */
  @Column('timestamptz', { name: 'effective_at' })
  effectiveAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
