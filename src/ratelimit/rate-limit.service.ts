// Request rate limits per caller: fixed one-minute windows counted in the `rate_limits` table, so all
// processes over one database share every budget. A project's backend (project secret) has one
// budget per project; a session caller has its own per session and, with it, one per project and
// client IP shared by every session from that address, so one browser cannot spend its backend's or
// another user's budget (OWASP API4:2023). The unit is one executed root field: 50 aliased
// `createUser` fields cost 50, as they do 50 inserts. Off (every budget 0) by default; when off the
// gateway does not even install it (createGateway, src/server.ts).
import type { Clock } from '../common/clock';
import type { RateLimitConfig } from '../config';
import type { Database } from '../db/database';
import { sql } from '../db/sql';
import { budgetsOf, type RateLimitCaller } from './rate-limit.rules';

const RATE_LIMIT_WINDOW_MS = 60_000;
const MS_PER_SECOND = 1000;

// Portable: SQLite (>= 3.35) and PostgreSQL both have ON CONFLICT ... DO UPDATE ... WHERE and
// RETURNING. A charge that would pass the limit updates nothing and returns no row. The row lock
// (PostgreSQL) or the writer lock (SQLite) makes concurrent charges queue, never collide.
const CHARGE = `INSERT INTO rate_limits (bucket, window_start, project_id, count) VALUES (?, ?, ?, ?)
  ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_limits.count + excluded.count
  WHERE rate_limits.count + excluded.count <= ?
  RETURNING count`;
const DELETE_OLD_WINDOWS = 'DELETE FROM rate_limits WHERE window_start < ?';

export interface RateLimitVerdict {
  readonly allowed: boolean;
  /** When refused: the operation needs more units than a whole window allows, so it can never run. */
  readonly neverFits: boolean;
  /** Whole seconds until the window ends (at least 1). */
  readonly retryAfterSeconds: number;
}

/** Thrown inside the charging transaction so that a refused charge spends nothing on any budget. */
class BudgetExhausted extends Error {}

export class RateLimitService {
  /** The window this process last swept expired counters in. */
  private sweptWindowMs = -1;

  /**
   * `onSweepError` hears about a failed sweep of expired windows (a row a vanished client's open
   * transaction still locks, say); the sweep is housekeeping and never fails a request.
   */
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly config: RateLimitConfig,
    private readonly onSweepError: (error: unknown) => void = () => undefined,
  ) {}

  /** Whether any budget applies to `caller` (when none does, consume always allows and need not be called). */
  limits(caller: RateLimitCaller): boolean {
    return budgetsOf(this.config, caller).length > 0;
  }

  /**
   * Charges `units` to every budget of `caller` in the current window, all or none: when any budget
   * lacks the room, nothing is spent anywhere and the verdict refuses.
   */
  async consume(caller: RateLimitCaller, units: number): Promise<RateLimitVerdict> {
    const nowMs = this.clock.now();
    const windowStartMs = nowMs - (nowMs % RATE_LIMIT_WINDOW_MS);
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStartMs + RATE_LIMIT_WINDOW_MS - nowMs) / MS_PER_SECOND));
    const budgets = budgetsOf(this.config, caller);
    if (budgets.some((budget) => units > budget.limit)) return { allowed: false, neverFits: true, retryAfterSeconds };
    if (!budgets.length) return { allowed: true, neverFits: false, retryAfterSeconds };
    this.sweep(windowStartMs);
    try {
      await this.db.write(async (manager) => {
        for (const { bucket, limit } of budgets) {
          const { rows } = await sql<{ count: number | string }>(manager, CHARGE, [bucket, windowStartMs, caller.projectId, units, limit]);
          if (!rows.length) throw new BudgetExhausted();
        }
      });
    } catch (error) {
      if (error instanceof BudgetExhausted) return { allowed: false, neverFits: false, retryAfterSeconds };
      throw error;
    }
    return { allowed: true, neverFits: false, retryAfterSeconds };
  }

  /**
   * Once a window per process, drops every expired window (sessions and addresses come and go). Off
   * the request path: a row it cannot delete now (locked, or the database busy) waits for the next
   * window's sweep instead of failing the request that happened to start it.
   */
  private sweep(windowStartMs: number): void {
    if (this.sweptWindowMs === windowStartMs) return;
    this.sweptWindowMs = windowStartMs;
    this.db.write((manager) => sql(manager, DELETE_OLD_WINDOWS, [windowStartMs])).catch(this.onSweepError);
  }
}
