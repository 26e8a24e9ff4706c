// The project's audit trail counted per minute and outcome (authEventStats): one grouped query over the
// window, so an overview chart reads a few dozen rows instead of paging every event. Reads only.
import type { Database } from '../db/database';
import type { Clock } from '../common/clock';
import { MINUTE_MS } from '../common/clock';
import { sql } from '../db/sql';
import type { AuthEventStats } from './audit-stats.types';

// Integer division buckets occurred_at (epoch ms, bigint) into minutes on both dialects; a "locked"
// row stands for `count` attempts (AuditService.record), so the sum, not the row count, is reported.
const PER_MINUTE = `SELECT occurred_at / ${MINUTE_MS} AS minute, outcome, SUM(count) AS attempts
  FROM auth_events WHERE project_id = ? AND occurred_at >= ?
  GROUP BY occurred_at / ${MINUTE_MS}, outcome ORDER BY minute, outcome`;

export class AuditStatsService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /**
   * Attempts per minute and outcome over the last `sinceMinutes` minutes (the current one included),
   * oldest first; minutes without events are left out. `sinceMinutes` is bounded on the input
   * (audit-stats.types.ts).
   */
  async perMinute(projectId: string, sinceMinutes: number): Promise<AuthEventStats> {
    const currentMinuteMs = Math.floor(this.clock.now() / MINUTE_MS) * MINUTE_MS;
    const sinceMs = currentMinuteMs - (sinceMinutes - 1) * MINUTE_MS;
    const rows = await this.db.read(async (m) => (await sql<{ minute: string | number; outcome: string; attempts: string | number }>(m, PER_MINUTE, [projectId, sinceMs])).rows);
    return {
      since: new Date(sinceMs),
      // PostgreSQL answers bigint and SUM as strings; SQLite as numbers.
      minutes: rows.map((row) => ({ minute: new Date(Number(row.minute) * MINUTE_MS), outcome: row.outcome, count: Number(row.attempts) })),
    };
  }
}
