import { Entity, Column, Index, PrimaryColumn } from 'typeorm';
import { BigIntColumn, IdColumn } from '../db/columns';

/** Longest bucket key: `ip:` + a project id (64) + `:` + an IPv6 address with a zone. */
const BUCKET_LENGTH = 160;

/**
 * One budget's unit count in one fixed one-minute window. A budget (bucket) is a project's backend,
 * one session, or one client IP of a project (src/ratelimit/rate-limit.service.ts). Kept in the
 * database, never in process memory, so every gateway process draws from the same budgets.
 */
@Entity({ name: 'rate_limits' })
@Index('idx_rate_limits_window', ['windowStartMs'])
export class RateLimit {
  @PrimaryColumn({ type: 'varchar', length: BUCKET_LENGTH })
  bucket: string;

  /** The window's first millisecond (epoch ms, a multiple of 60 000). */
  @BigIntColumn('window_start', { primary: true })
  windowStartMs: number;

  @IdColumn('project_id')
  projectId: string;

  /** Units (executed root fields) spent in this window. */
  @Column({ type: 'integer' })
  count: number;
}
