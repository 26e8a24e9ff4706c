// The webhook events of the audit trail's events (src/audit/audit.service.ts calls `recorded` in the
// transaction of every event it records): verification attempts, session changes and unlocks.
// Attempts refused unverified while the user is locked ("locked", counted per minute in the trail)
// send nothing: an attacker could otherwise make every endpoint receive one request per guess.
import type { EntityManager } from 'typeorm';
import { outboxRows, type EventSink } from './webhook.outbox';
import type { WebhookEvent } from './webhook.events';

/**
 * What the audit trail tells its listener (src/audit/audit.service.ts NewAuthEvent, structurally: the
 * audit feature reads users, which write events, so this folder cannot import it).
 */
interface AuditedEvent {
  readonly projectId: string;
  readonly userId: string;
  readonly totpId?: string | null;
  readonly type: 'totp' | 'recovery_code' | 'device' | 'session' | 'user';
  readonly outcome: string;
  readonly occurredAtMs: number;
  readonly sessionId?: string | null;
  readonly verifiedTotp?: boolean;
}

/** The reason an `authentication.failed` or `authentication.replayed` names. */
const FAILURE_REASON = { failure: 'wrong_code', replay: 'code_already_used' } as const;

/** The webhook events of one audit event (none for "locked" refusals). */
function webhookEventsOf(event: AuditedEvent): WebhookEvent[] {
  const { userId } = event;
  const totpId = event.totpId ?? null;
  if (event.type === 'session') {
    const type = event.outcome === 'created' ? 'session.created' : 'session.revoked';
    return [{ type, data: { userId, sessionId: event.sessionId ?? null } }];
  }
  if (event.type === 'user') return event.outcome === 'unlocked' ? [{ type: 'user.unlocked', data: { userId } }] : [];
  // The factor as sessions name it: a remembered device's attempts are audited as "device".
  const factor = event.type === 'device' ? 'remembered_device' : event.type;
  switch (event.outcome) {
    case 'success': {
      const events: WebhookEvent[] = [{ type: 'authentication.succeeded', data: { userId, totpId, factor } }];
      if (factor === 'recovery_code') events.push({ type: 'recovery_code.used', data: { userId, totpId } });
      // Only the attempt that verified a pending TOTP (not every success that happens to share its
      // millisecond); the condition then keeps one of concurrent attempts that both read it pending.
      if (factor === 'totp' && event.verifiedTotp) events.push({ type: 'totp.verified', data: { userId, totpId }, when: 'totp_verified' });
      // The attempt started a session (authenticateTotp or recoverTotp with sessionDurationMinutes).
      if (event.sessionId) events.push({ type: 'session.created', data: { userId, sessionId: event.sessionId } });
      return events;
    }
    case 'failure':
    case 'replay':
      return [
        { type: event.outcome === 'failure' ? 'authentication.failed' : 'authentication.replayed', data: { userId, totpId, factor, reason: FAILURE_REASON[event.outcome] } },
        { type: 'user.locked', data: { userId, factor }, when: 'user_locked' },
      ];
    default:
      return [];
  }
}

/** The audit trail's listener that queues its events' webhooks. */
export class WebhookAuditListener {
  constructor(private readonly sink: EventSink) {}

  async recorded(manager: EntityManager, event: AuditedEvent): Promise<void> {
    const events = webhookEventsOf(event);
    if (!events.length) return;
    await this.sink.enqueue(manager, batchOf(event, events));
  }

  /** The rows `recorded` would enqueue for each of `events`, each naming its event's outcome (nothing written). */
  candidates(events: readonly AuditedEvent[]): Array<{ outcome: AuditedEvent['outcome'] } & ReturnType<typeof outboxRows>[number]> {
    return events.flatMap((event) => outboxRows(batchOf(event, webhookEventsOf(event))).map((row) => ({ outcome: event.outcome, ...row })));
  }
}

function batchOf(event: AuditedEvent, events: WebhookEvent[]) {
  return { projectId: event.projectId, userId: event.userId, totpId: event.totpId, occurredAtMs: event.occurredAtMs, events };
}
