import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** A workspace's environment order; a workspace without a row uses the default dev → test → prod. */
@Entity({ name: 'promotion_environments' })
@Check('ck_promotion_environments_count', `cardinality("environments") >= 2`)
export class PromotionEnvironmentsEntity {
  @PrimaryColumn('text', { name: 'workspace_id', primaryKeyConstraintName: 'pk_promotion_environments' })
  workspaceId: string;

  @Column('text', { array: true })
  environments: string[];

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
