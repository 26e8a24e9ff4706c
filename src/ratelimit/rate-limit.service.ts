// Per-project request rate limit: a fixed one-minute window counter in the `rate_limits` table,
// incremented with one atomic upsert, so all processes over one database share the budget. Off
// (requestsPerMinute 0) by default; when off the gateway does not even install it (src/server.ts).
import type { Clock } from '../common/clock';
import type { Database } from '../db/database';
import { sql } from '../db/sql';

export const RATE_LIMIT_WINDOW_MS = 60_000;

// Portable: SQLite (>= 3.35) and PostgreSQL both have ON CONFLICT ... DO UPDATE and RETURNING. The row
// lock (PostgreSQL) or the writer lock (SQLite) makes concurrent increments queue, never collide.
const INCREMENT = `INSERT INTO rate_limits (project_id, window_start, count) VALUES (?, ?, 1)
  ON CONFLICT (project_id, window_start) DO UPDATE SET count = rate_limits.count + 1
  RETURNING count`;
const DELETE_OLD_WINDOWS = 'DELETE FROM rate_limits WHERE project_id = ? AND window_start < ?';

export interface RateLimitVerdict {
  readonly allowed: boolean;
  /** This window's count, this operation included. */
  readonly count: number;
  /** Whole seconds until the window ends (at least 1). */
  readonly retryAfterSeconds: number;
}

export class RateLimitService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly config: { readonly requestsPerMinute: number },
  ) {}

  /** Counts one operation of `projectId` against the current window and says whether it may run. */
  async consume(projectId: string): Promise<RateLimitVerdict> {
    const nowMs = this.clock.now();
    const windowStartMs = nowMs - (nowMs % RATE_LIMIT_WINDOW_MS);
    const count = await this.db.write(async (manager) => {
      const { rows } = await sql<{ count: number | string }>(manager, INCREMENT, [projectId, windowStartMs]);
      const value = Number(rows[0]?.count);
      // The window's first operation clears the project's earlier windows (at most one row each).
      if (value === 1) await sql(manager, DELETE_OLD_WINDOWS, [projectId, windowStartMs]);
      return value;
    });
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStartMs + RATE_LIMIT_WINDOW_MS - nowMs) / 1000));
    return { allowed: count <= this.config.requestsPerMinute, count, retryAfterSeconds };
  }
}
