import { Entity, PrimaryColumn, Index } from 'typeorm';
import { EpochColumn, ID_LENGTH } from '../db/columns';

/** Longest origin accepted (scheme, host and port; RFC 6454 §6.1 serialisation). */
export const ORIGIN_MAX_LENGTH = 255;

/** A browser origin allowed to call the gateway with this project's public token (CORS). */
@Entity({ name: 'project_origins' })
export class ProjectOrigin {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH, name: 'project_id' })
  projectId: string;

  /** A preflight names no project, so it is answered by origin alone: hence the index. */
  @Index('idx_project_origins_origin')
  @PrimaryColumn({ type: 'varchar', length: ORIGIN_MAX_LENGTH, name: 'origin' })
  origin: string;

  @EpochColumn('created_at')
  createdAt: Date;
}
