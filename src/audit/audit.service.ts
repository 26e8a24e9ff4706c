// The audit trail of authentication: every verification attempt that spends a lockout attempt (TOTP
// and recovery codes: success, failure, replay, locked), every session revocation and every unlock,
// written in the same transaction as the change it describes, so the record and the counters always
// agree. Attempts refused while locked are counted into one row per user, factor and minute (see `record`).
// Requests refused before any attempt is spent (malformed code, unknown user, expired TOTP) are not
// attempts and are not recorded. An event never carries a code, a token or a secret.
import type { EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import { sql } from '../db/sql';
import { newId } from '../common/ids';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { MINUTE_MS } from '../common/clock';
import { User } from '../users/user.entity';
import { UserNotFoundError } from '../users/user.errors';
import { parseUserId } from '../users/user.service';
import { AuthEvent, type AuthEventOutcome, type AuthEventType } from './auth-event.entity';
import type { AuthEventConnection } from './audit.types';
import { PAGE_SIZE } from '../constants/audit.constants';
import { invalidCursor } from './audit.errors';

/**
 * Attempts refused because the user is locked are not verified, and an attacker can send them without
 * limit: they are counted per user, factor and window instead of appended one by one, so the trail
 * grows at most one row per window however fast they come.
 */
const AGGREGATION_WINDOW_MS = MINUTE_MS;
const AGGREGATED_OUTCOMES: ReadonlySet<AuthEventOutcome> = new Set(['locked']);

/** The columns of an appended event, in the order `record` binds them. */
export const EVENT_COLUMNS = 'event_id, project_id, user_id, totp_id, type, outcome, request_id, occurred_at';
const APPEND = `INSERT INTO auth_events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
/**
 * What makes an INSERT into auth_events count into its window's row (columns `count, window_start`
 * follow EVENT_COLUMNS): one atomic upsert on the partial unique (user_id, type, outcome,
 * window_start) index, as the rate limit's: concurrent refusals queue on the row (PostgreSQL) or the
 * writer lock (SQLite) and each adds one. The conflict target repeats the index's WHERE, as both
 * dialects require to infer a partial index.
 */
export const COUNT_INTO_WINDOW_CONFLICT = 'ON CONFLICT (user_id, type, outcome, window_start) WHERE window_start IS NOT NULL DO UPDATE SET count = auth_events.count + 1';
const COUNT_INTO_WINDOW = `INSERT INTO auth_events (${EVENT_COLUMNS}, count, window_start)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
  ${COUNT_INTO_WINDOW_CONFLICT}`;

/** The start of the aggregation window (epoch ms) that an event at `occurredAtMs` counts into. */
export const windowStart = (occurredAtMs: number): number => occurredAtMs - (occurredAtMs % AGGREGATION_WINDOW_MS);

export interface NewAuthEvent {
  readonly projectId: string;
  readonly userId: string;
  readonly totpId?: string | null;
  readonly type: AuthEventType;
  readonly outcome: AuthEventOutcome;
  /** The request's x-request-id, when the caller is a request. */
  readonly requestId?: string | null;
  readonly occurredAtMs: number;
  /**
   * Session events: the session created or revoked; a successful attempt: the session it starts, if
   * any. For the webhook payloads (AuditListener); not stored in the trail.
   */
  readonly sessionId?: string | null;
  /** A successful TOTP attempt whose code verified a pending TOTP (totp.verified); not stored in the trail. */
  readonly verifiedTotp?: boolean;
}

/**
 * Told of every recorded event inside its transaction (src/webhooks/webhook.audit-events.ts turns
 * them into webhook events through the transactional outbox). Declared here, by its one use.
 */
export interface AuditListener {
  recorded(manager: EntityManager, event: NewAuthEvent): Promise<void>;
  /**
   * The rows `recorded` would write for each of `events` (hypothetical outcomes of one attempt), as
   * data for a statement that decides the outcome itself (src/verification/attempt.statement.ts):
   * each row names the outcome it belongs to. Pure: nothing is written.
   */
  candidates(events: readonly NewAuthEvent[]): OutboxCandidate[];
}

/** One row a listener would write should its event's outcome happen (see AuditListener.candidates). */
export interface OutboxCandidate {
  /** The AuthEventOutcome the row belongs to. */
  readonly outcome: string;
  readonly messageId: string;
  readonly eventType: string;
  /** The event's JSON body. */
  readonly payload: string;
  /** `always`, or a condition on what the attempt wrote (`user_locked`: it set the user's lock). */
  readonly when: string;
}

export class AuditService {
  constructor(
    private readonly db: Database,
    private readonly listener?: AuditListener,
  ) {}

  /**
   * Appends one event inside the caller's transaction (it commits or rolls back with it). A "locked"
   * event (an attempt refused unverified) is instead counted into its user's, factor's and minute's one
   * row, created by the first such attempt (its request id and time) and incremented by the rest.
   */
  async record(manager: EntityManager, event: NewAuthEvent): Promise<void> {
    const values = [newId('event'), event.projectId, event.userId, event.totpId ?? null, event.type, event.outcome, event.requestId ?? null, event.occurredAtMs];
    // Raw SQL: this runs inside every authentication (src/db/sql.ts says why).
    if (AGGREGATED_OUTCOMES.has(event.outcome)) {
      await sql(manager, COUNT_INTO_WINDOW, [...values, windowStart(event.occurredAtMs)]);
    } else {
      await sql(manager, APPEND, values);
    }
    // At most one more statement, in the same transaction: the event's webhooks (a no-op INSERT for a
    // project without endpoints).
    if (this.listener) await this.listener.recorded(manager, event);
  }

  /**
   * The listener's rows for each hypothetical outcome in `events` of one attempt decided inside a
   * single statement (src/verification/attempt.statement.ts); empty without a listener.
   */
  outboxCandidates(events: readonly NewAuthEvent[]): OutboxCandidate[] {
    return this.listener ? this.listener.candidates(events) : [];
  }

  /**
   * A user's events, newest first, `first` at a time after the cursor `after`. A deleted user's
   * events stay readable by their project; a user id the project has never had answers USER_NOT_FOUND.
   */
  async list(projectId: string, userId: unknown, page: { first?: number | null; after?: string | null }): Promise<AuthEventConnection> {
    const id = parseUserId(userId);
    // Its bounds are checked on the input (audit.inputs.ts).
    const first = page.first ?? PAGE_SIZE.default;
    const afterId = page.after == null ? null : decodeCursor('event', page.after);
    if (page.after != null && afterId === null) throw invalidCursor();

    return this.db.read(async (m) => {
      const known = (await m.exists(User, { where: { userId: id, projectId } })) || (await m.exists(AuthEvent, { where: { userId: id, projectId } }));
      if (!known) throw new UserNotFoundError();
      const query = m
        .createQueryBuilder(AuthEvent, 'e')
        .where('e.project_id = :projectId AND e.user_id = :userId', { projectId, userId: id })
        .orderBy('e.occurred_at', 'DESC')
        .addOrderBy('e.seq', 'DESC')
        .limit(first + 1);
      if (afterId !== null) {
        const cursor = await m.findOne(AuthEvent, { where: { eventId: afterId, projectId, userId: id }, select: { seq: true, occurredAt: true } });
        if (!cursor) throw invalidCursor();
        query.andWhere('(e.occurred_at < :at OR (e.occurred_at = :at AND e.seq < :seq))', { at: cursor.occurredAt.getTime(), seq: cursor.seq });
      }
      const rows = await query.getMany();
      const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(node.eventId), node }));
      return {
        edges,
        pageInfo: {
          hasNextPage: rows.length > first,
          hasPreviousPage: afterId !== null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    });
  }
}
