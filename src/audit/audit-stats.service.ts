// The project's audit trail counted per minute and outcome (authEventStats): one grouped query over the
// window, so an overview chart reads a few dozen rows instead of paging every event. Reads only.
import type { Database } from '../db/database';
import type { Clock } from '../common/clock';
import { MINUTE_MS } from '../common/clock';
import { sql } from '../db/sql';
import type { AuthEventStats } from './audit-stats.types';

/**
 * Rows are appended in time order, give or take the skew between processes' clocks and the length of a
 * transaction; the window's rows are looked for after the newest row older than the window by this
 * margin, so a row appended a little out of order is still counted.
 */
const OUT_OF_ORDER_MARGIN_MS = 5 * MINUTE_MS;

// The window's rows without an index on time (which every audit append would pay for): `seq` is the
// primary key and grows with each append, so the subquery walks the key backwards from the newest row
// to the first one before the window (cost: the rows since then, of every project), and the outer
// query reads only the key range after it. Integer division buckets occurred_at (epoch ms, bigint)
// into minutes on both dialects; a "locked" row stands for `count` attempts (AuditService.record), so
// the sum, not the row count, is reported.
const PER_MINUTE = `SELECT occurred_at / ${MINUTE_MS} AS minute, outcome, SUM(count) AS attempts
  FROM auth_events
  WHERE seq > COALESCE((SELECT seq FROM auth_events WHERE occurred_at < ? ORDER BY seq DESC LIMIT 1), 0)
    AND project_id = ? AND occurred_at >= ?
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
    const rows = await this.db.read(async (m) => (await sql<{ minute: string | number; outcome: string; attempts: string | number }>(m, PER_MINUTE, [sinceMs - OUT_OF_ORDER_MARGIN_MS, projectId, sinceMs])).rows);
    return {
      since: new Date(sinceMs),
      // PostgreSQL answers bigint and SUM as strings; SQLite as numbers.
      minutes: rows.map((row) => ({ minute: new Date(Number(row.minute) * MINUTE_MS), outcome: row.outcome, count: Number(row.attempts) })),
    };
  }
}
