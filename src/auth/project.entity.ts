import { Entity, PrimaryColumn, Column } from 'typeorm';
import { EpochColumn, ID_LENGTH } from '../db/columns';

/** A tenant: every user, TOTP, session and signing key belongs to exactly one project. */
@Entity({ name: 'projects' })
export class Project {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH, name: 'id' })
  projectId: string;

  /** Shown to users as the authenticator app's issuer. */
  @Column({ type: 'varchar', length: 255 })
  name: string;

  @EpochColumn('created_at')
  createdAt: Date;
}
