// A TOTP verification attempt as ONE PostgreSQL statement: a data-modifying CTE
// (https://www.postgresql.org/docs/current/queries-with.html#QUERIES-WITH-MODIFYING) that does what
// VerificationAttemptService's transaction does in a dozen round trips, in one, and is atomic as any
// single statement is. The code was judged before (pure CPU, as in the transaction); the statement
// decides what that judgement counts for, with the same rules:
//   - the user's row is locked first (FOR NO KEY UPDATE, the lock an UPDATE of the count takes), the
//     order every write on a user takes, so it never deadlocks with deleteUser, createTotp or
//     deleteTotp, and every concurrent attempt of the user queues behind it;
//   - only when no lock is in force is the attempt spent (NIST SP 800-63B §5.2.2): the count, and the
//     lock it reaches, with the same compiled arithmetic as the transaction's reserveAttempt; a success
//     resets both instead, as the transaction's reset does after its reservation;
//   - the matched TOTP's row is locked next and its replay guard advanced only while it lies below the
//     matched step (RFC 6238 §5.2: a code is accepted once); of concurrent attempts with one code, the
//     first to lock wins and the others read the advanced step: a replay, counted as a failure;
//   - the outcome is appended to the audit trail in the same statement (a locked refusal counted into
//     its window's row), and on success the session row is inserted;
//   - a user deleted, or a matched TOTP deleted, since the request read them writes nothing at all
//     (USER_NOT_FOUND, TOTP_NOT_FOUND), as the transaction rolls back then.
// Locking reads (FOR NO KEY UPDATE) return the row as last committed, after any wait, while a plain
// read inside one statement would see the statement's snapshot, taken before the wait: so every
// decision here is made on locked rows, never on a snapshot.
//
// The webhook outbox (src/webhooks/webhook.outbox.ts) is such a write: the rows the audit listener would
// enqueue for each possible outcome are bound as one JSON array ($11), and `outboxed` inserts those of
// the outcome that happened, fanned out to the project's enabled, subscribed endpoints, with the
// `user_locked` condition read from what `spent` wrote. Another write to every attempt: one more CTE
// that selects from `outcome` in the marked place, its values bound before the session's (which always
// come last), and the same write in VerificationAttemptService.inTransaction, which SQLite and every
// other attempt run.
// Nothing else changes: the new row commits or vanishes with the rest of the statement.
import { COUNT_INTO_WINDOW_CONFLICT, EVENT_COLUMNS, windowStart } from '../audit/audit.service';
import { notLockedAt, spendAttemptSet } from '../users/lockout.service';
import type { LockoutPolicy } from '../users/lockout.policy';

/** How the statement ended; every outcome but `missing` and `gone` was committed. */
export type StatementOutcome = 'missing' | 'locked' | 'gone' | 'success' | 'replay' | 'failure';

/** The outcomes that spend an attempt and append an audit event (a locked refusal is counted into its window instead). */
const SPENT = `'success', 'replay', 'failure'`;

/** What one attempt binds, besides the new session's values (appended after these, in their column order). */
export interface AttemptStatementParams {
  readonly userId: string;
  readonly projectId: string;
  readonly nowMs: number;
  /** The verified TOTP whose code matched, and the time step it matched at; null for a wrong code. */
  readonly match: { readonly totpId: string; readonly step: number } | null;
  readonly eventId: string;
  /** The TOTP an audit event names when the attempt is refused (the one named by the request, or the user's only one). */
  readonly refusedTotpId: string | null;
  readonly requestId: string | null;
  readonly eventType: string;
}

/** The new session row's table and escaped columns, when a success starts a session. */
export interface SessionColumns {
  readonly table: string;
  readonly columns: readonly string[];
}

/** One webhook delivery row the attempt would enqueue should `outcome` happen (AuditService.outboxCandidates). */
export interface OutboxParam {
  readonly outcome: string;
  readonly messageId: string;
  readonly eventType: string;
  readonly payload: string;
  readonly when: string;
}

/** Parameters $1..$10, then the outbox rows ($11, when there are any), in the order `attemptStatement` numbers them. */
export function attemptParams(p: AttemptStatementParams, outbox: readonly OutboxParam[]): unknown[] {
  const fixed: unknown[] = [p.userId, p.projectId, p.nowMs, p.match?.totpId ?? null, p.match?.step ?? null, p.eventId, p.refusedTotpId, p.requestId, windowStart(p.nowMs), p.eventType];
  if (outbox.length) fixed.push(JSON.stringify(outbox.map((row, ord) => ({ ...row, ord }))));
  return fixed;
}
const FIRST_SESSION_PARAM = 11;
const OUTBOX_PARAM = '$11::jsonb';

/**
 * The `outboxed` CTE: the candidate rows of the outcome that happened, one per enabled endpoint
 * subscribed to their type, in the order given (the outbox's per-user order); `user_locked` rows only
 * when this attempt set the user's lock (read from `spent`, the statement's own UPDATE).
 */
function outboxCte(now: string): string {
  return `,
  outboxed AS (INSERT INTO webhook_deliveries (message_id, endpoint_id, project_id, user_id, event_type, payload, status, attempts, next_attempt_at, created_at)
    SELECT v."messageId", s.endpoint_id, s.project_id, $1, v."eventType", v.payload, 'pending', 0, ${now}, ${now}
    FROM jsonb_to_recordset(${OUTBOX_PARAM}) AS v(outcome text, "messageId" text, "eventType" text, payload text, "when" text, ord int)
    JOIN outcome o ON o.outcome = v.outcome
    JOIN webhook_subscriptions s ON s.project_id = $2 AND s.event_type = v."eventType"
    JOIN webhook_endpoints e ON e.id = s.endpoint_id AND e.enabled = TRUE
    WHERE v."when" = 'always' OR (v."when" = 'user_locked' AND EXISTS (SELECT 1 FROM spent WHERE spent.locked_until > ${now}))
    ORDER BY v.ord)`;
}

/**
 * The statement's text for `policy`, with the webhook outbox's INSERT when `outbox` (its rows bound as
 * $11) and a session INSERT when `session` is given (its values bound after those). It answers one row: `outcome`, and the user's `locked_until` (epoch ms) as locked.
 * Written with `$n` placeholders: it runs on PostgreSQL only (SQLite has no data-modifying CTEs).
 */
export function attemptStatement(policy: LockoutPolicy, session: SessionColumns | null, outbox: boolean): string {
  const now = '$3::bigint';
  const spend = spendAttemptSet(policy, now);
  const firstSessionParam = FIRST_SESSION_PARAM + (outbox ? 1 : 0);
  const sessionValues = session ? session.columns.map((_, i) => `$${firstSessionParam + i}`).join(', ') : '';
  return `WITH
  u AS (SELECT id, locked_until FROM users WHERE id = $1 AND project_id = $2 FOR NO KEY UPDATE),
  open AS (SELECT id FROM u WHERE ${notLockedAt(now)}),
  t AS (SELECT id, last_step FROM totps WHERE id = $4::varchar AND user_id = $1 AND EXISTS (SELECT 1 FROM open) FOR NO KEY UPDATE),
  won AS (SELECT id FROM t WHERE last_step < $5::bigint),
  outcome AS (SELECT CASE
      WHEN NOT EXISTS (SELECT 1 FROM u) THEN 'missing'
      WHEN NOT EXISTS (SELECT 1 FROM open) THEN 'locked'
      WHEN $4::varchar IS NULL THEN 'failure'
      WHEN NOT EXISTS (SELECT 1 FROM t) THEN 'gone'
      WHEN EXISTS (SELECT 1 FROM won) THEN 'success'
      ELSE 'replay' END AS outcome),
  spent AS (UPDATE users SET
      failed_attempts = CASE WHEN outcome.outcome = 'success' THEN 0 ELSE ${spend.failedAttempts} END,
      locked_until = CASE WHEN outcome.outcome = 'success' THEN NULL ELSE ${spend.lockedUntil} END
    FROM outcome WHERE users.id = $1 AND outcome.outcome IN (${SPENT})
    RETURNING users.locked_until),
  advanced AS (UPDATE totps SET last_step = $5::bigint, verified = TRUE, verified_at = COALESCE(verified_at, ${now}), last_used_at = ${now}
    WHERE id IN (SELECT id FROM won)),
  appended AS (INSERT INTO auth_events (${EVENT_COLUMNS})
    SELECT $6, $2, $1, CASE WHEN outcome = 'success' THEN $4::varchar ELSE $7::varchar END, $10, outcome, $8, ${now}
    FROM outcome WHERE outcome IN (${SPENT})),
  counted AS (INSERT INTO auth_events (${EVENT_COLUMNS}, count, window_start)
    SELECT $6, $2, $1, $7::varchar, $10, 'locked', $8, ${now}, 1, $9::bigint FROM outcome WHERE outcome = 'locked'
    ${COUNT_INTO_WINDOW_CONFLICT})${
      session ? `,
  started AS (INSERT INTO ${session.table} (${session.columns.join(', ')}) SELECT ${sessionValues} FROM outcome WHERE outcome = 'success')` : ''
    }${outbox ? outboxCte(now) : ''}
  -- More writes of an attempt go here (see the top of attempt.statement.ts).
SELECT outcome, (SELECT locked_until FROM u) AS locked_until FROM outcome`;
}
