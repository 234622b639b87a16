import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A workspace's secret, encrypted with AES-256-GCM (additional data: workspace and name). */
@Entity({ name: 'workspace_secrets' })
export class WorkspaceSecretEntity {
  @PrimaryColumn('text', { name: 'workspace_id', primaryKeyConstraintName: 'pk_workspace_secrets' })
  workspaceId: string;

  @PrimaryColumn('text', { primaryKeyConstraintName: 'pk_workspace_secrets' })
  name: string;

  /** Which key of MOCKOPS_SECRETS_KEY encrypted it (rotation re-encrypts the others). */
  @Column('text', { name: 'key_id' })
  keyId: string;

  @Column('bytea')
  iv: Buffer;

  @Column('bytea')
  ciphertext: Buffer;

  @Column('bytea', { name: 'auth_tag' })
  authTag: Buffer;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
