// The webhook event catalogue: names are `resource.action`, payloads are the Standard Webhooks
// envelope `{ type, timestamp, data }` (https://www.standardwebhooks.com/, "Payload structure")
// carrying ids and outcomes only, never a secret, a code or a token.

/** Every event type an endpoint may subscribe to, in catalogue order. */
export const WEBHOOK_EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deleted',
  'user.locked',
  'user.unlocked',
  'totp.created',
  'totp.verified',
  'totp.deleted',
  'authentication.succeeded',
  'authentication.failed',
  'authentication.replayed',
  'recovery_code.used',
  'recovery_codes.regenerated',
  'session.created',
  'session.revoked',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** A payload field: ids, names of outcomes and factors, counts. Nothing else may be sent. */
type DataValue = string | number | boolean | null;

/**
 * When an event is kept, decided inside the enqueue statement from the rows the same transaction
 * just wrote: `always`; `user_locked` only if this attempt set the user's lock (users.locked_until
 * is in the future once a failed attempt has been spent); `totp_verified` only if the TOTP's
 * verified_at is this attempt's time (given only for an attempt that found the TOTP pending).
 */
type EventCondition = 'always' | 'user_locked' | 'totp_verified';

export interface WebhookEvent {
  readonly type: WebhookEventType;
  readonly data: Readonly<Record<string, DataValue>>;
  readonly when?: EventCondition;
}

/** Events of one change: one project, one user, one moment (one INSERT, WebhookOutbox.enqueue). */
export interface WebhookEventBatch {
  readonly projectId: string;
  /** The user the events are about: deliveries to one endpoint are sent in order per user. */
  readonly userId: string;
  /** The TOTP a `totp_verified` condition looks at. */
  readonly totpId?: string | null;
  readonly occurredAtMs: number;
  readonly events: readonly WebhookEvent[];
}

/** The JSON body of one event, as signed and sent. */
export function payloadOf(event: WebhookEvent, occurredAtMs: number): string {
  return JSON.stringify({ type: event.type, timestamp: new Date(occurredAtMs).toISOString(), data: event.data });
}
