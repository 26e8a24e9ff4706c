// The transactional outbox (https://microservices.io/patterns/data/transactional-outbox.html): the
// events of a change are written as delivery rows in the change's own transaction, so a change never
// commits without its events and a rolled-back change sends none. The fan-out to endpoints happens in
// the same single INSERT ... SELECT: one row per event and subscribed, enabled endpoint, and no row at
// all (one index probe of an empty range) for a project without endpoints.
import type { EntityManager } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { sql } from '../db/sql';
import { payloadOf, type WebhookEventBatch } from './webhook.events';

/** Standard Webhooks' `webhook-id`: one per event, the same for every endpoint and every attempt. */
function newMessageId(): string {
  return `msg_${randomUUID().replace(/-/g, '')}`;
}

/** Where a change's events go; services depend on this, not on the class. */
export interface EventSink {
  enqueue(manager: EntityManager, batch: WebhookEventBatch): Promise<void>;
}

/**
 * The enqueue statement for `rows` events. Parameters: user id, next attempt, created at, then per
 * event (message id, type, payload, condition), then project id, user id, now, TOTP id, now. Rows
 * are inserted in ORDER BY order (their seq follows it) on both dialects.
 * VALUES columns are named column1.. on SQLite and PostgreSQL alike.
 */
function enqueueSql(rows: number): string {
  // column5: the event's place in its batch, so a change's events are queued (and sent) in the order given.
  const values = Array.from({ length: rows }, (_, i) => `(CAST(? AS VARCHAR(64)), CAST(? AS VARCHAR(64)), CAST(? AS TEXT), CAST(? AS VARCHAR(16)), ${i})`).join(', ');
  return `INSERT INTO webhook_deliveries (message_id, endpoint_id, project_id, user_id, event_type, payload, status, attempts, next_attempt_at, created_at)
  SELECT v.column1, s.endpoint_id, s.project_id, CAST(? AS VARCHAR(64)), v.column2, v.column3, 'pending', 0, CAST(? AS BIGINT), CAST(? AS BIGINT)
  FROM (VALUES ${values}) AS v
  JOIN webhook_subscriptions s ON s.project_id = ? AND s.event_type = v.column2
  JOIN webhook_endpoints e ON e.id = s.endpoint_id AND e.enabled = TRUE
  WHERE v.column4 = 'always'
    OR (v.column4 = 'user_locked' AND EXISTS (SELECT 1 FROM users u WHERE u.id = ? AND u.locked_until > CAST(? AS BIGINT)))
    OR (v.column4 = 'totp_verified' AND EXISTS (SELECT 1 FROM totps t WHERE t.id = ? AND t.verified_at = CAST(? AS BIGINT)))
  ORDER BY v.column5`;
}

/** One delivery row's message id, type, JSON body and condition, for each event of `batch`, in order. */
export function outboxRows(batch: WebhookEventBatch): Array<{ messageId: string; eventType: string; payload: string; when: string }> {
  return batch.events.map((event) => ({ messageId: newMessageId(), eventType: event.type, payload: payloadOf(event, batch.occurredAtMs), when: event.when ?? 'always' }));
}

/** A sink that drops every event (services built without webhooks, e.g. in unit tests). */
export const NO_EVENTS: EventSink = { enqueue: async () => undefined };

export class WebhookOutbox implements EventSink {
  private readonly statements = new Map<number, string>();

  /**
   * Writes `batch`'s events for every enabled endpoint of its project subscribed to them, inside the
   * caller's transaction (one statement whatever the number of events or endpoints).
   */
  async enqueue(manager: EntityManager, batch: WebhookEventBatch): Promise<void> {
    const { events } = batch;
    if (!events.length) return;
    let text = this.statements.get(events.length);
    if (text === undefined) this.statements.set(events.length, (text = enqueueSql(events.length)));
    const now = batch.occurredAtMs;
    const params: unknown[] = [batch.userId, now, now];
    for (const row of outboxRows(batch)) params.push(row.messageId, row.eventType, row.payload, row.when);
    params.push(batch.projectId, batch.userId, now, batch.totpId ?? null, now);
    await sql(manager, text, params);
  }
}
