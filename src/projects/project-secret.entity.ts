import { Entity, PrimaryColumn, Column, Index } from 'typeorm';
import { EpochColumn, IdColumn, ID_LENGTH } from '../db/columns';

/** One of a project's API secrets; several may be live at once so they can be rotated. */
@Entity({ name: 'project_secrets' })
export class ProjectSecret {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH, name: 'id' })
  secretId: string;

  @Index('idx_project_secrets_project')
  @IdColumn('project_id')
  projectId: string;

  /** Keyed hash of the secret; the plaintext is shown once, at creation. */
  @Index('uq_project_secrets_hash', { unique: true })
  @Column({ type: 'varchar', length: 128, name: 'secret_hash', select: false })
  secretHash: string;

  @EpochColumn('created_at')
  createdAt: Date;

  @EpochColumn('revoked_at', { nullable: true })
  revokedAt: Date | null;
}
