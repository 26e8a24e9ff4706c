import { Entity, Column, PrimaryColumn } from 'typeorm';
import { BigIntColumn, ID_LENGTH } from '../db/columns';

/**
 * One project's operation count in one fixed one-minute window. Kept in the database, never in
 * process memory, so every gateway process draws from the same budget.
 */
@Entity({ name: 'rate_limits' })
export class RateLimit {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH, name: 'project_id' })
  projectId: string;

  /** The window's first millisecond (epoch ms, a multiple of 60 000). */
  @BigIntColumn('window_start', { primary: true })
  windowStartMs: number;

  @Column({ type: 'integer' })
  count: number;
}
