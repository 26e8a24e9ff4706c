// Webhook endpoints of a project (create, list, update, delete, rotate the signing secret) and their
// deliveries (list, replay). Secrets are random `whsec_` values shown once and stored sealed
// (src/crypto/envelope.ts), since signing needs them in the clear; a rotation keeps the previous one
// signing for WEBHOOK_SECRET_OVERLAP_SECONDS so receivers can switch without losing a message.
import type { EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import type { Envelope } from '../crypto/envelope';
import type { Clock } from '../common/clock';
import { newId, parseId } from '../common/ids';
import { sql } from '../db/sql';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from './webhook.events';
import { parseEndpointUrl } from './ssrf.guard';
import { newSigningSecret } from './webhook.signer';
import { InvalidWebhookEventTypeError, WebhookDeliveryNotFoundError, WebhookEndpointLimitReachedError, WebhookEndpointNotFoundError } from './webhook.errors';
import type { CreateWebhookEndpointInput, UpdateWebhookEndpointInput } from './webhook.inputs';
import { WebhookDelivery, WebhookEndpoint, type WebhookEndpointSecretPayload } from './webhook.types';

const DESCRIPTION_MAX = 256;
/**
 * The most endpoints a project may have. Every change a project's users make writes one outbox row
 * per event and subscribed endpoint inside the change's own transaction (a login included), so the
 * fan-out must be bounded (OWASP API Security Top 10, API4 Unrestricted Resource Consumption); 20 is
 * GitHub's limit of webhooks per event and repository.
 */
const MAX_ENDPOINTS_PER_PROJECT = 20;
const DELIVERIES_DEFAULT_PAGE = 20;

/** A delivery's status: waiting for its (next) attempt, acknowledged with a 2xx, or out of attempts. */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

interface EndpointRow {
  id: string;
  url: string;
  description: string | null;
  enabled: boolean | number;
  previous_secret_expires_at: string | number | null;
  created_at: string | number;
  updated_at: string | number;
}

interface DeliveryRow {
  seq: number | string;
  message_id: string;
  endpoint_id: string;
  event_type: string;
  user_id: string | null;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | number;
  created_at: string | number;
  delivered_at: string | number | null;
}

const ENDPOINT_COLUMNS = 'id, url, description, enabled, previous_secret_expires_at, created_at, updated_at';
const DELIVERY_COLUMNS = 'seq, message_id, endpoint_id, event_type, user_id, status, attempts, last_status_code, last_error, next_attempt_at, created_at, delivered_at';

/** The additional authenticated data sealing an endpoint's secret to its row. */
export const secretAad = (endpointId: string) => `webhook-secret:${endpointId}`;

const date = (ms: string | number) => new Date(Number(ms));

function deliveryOf(row: DeliveryRow): WebhookDelivery {
  return Object.assign(new WebhookDelivery(), {
    deliveryId: String(row.seq),
    messageId: row.message_id,
    endpointId: row.endpoint_id,
    eventType: row.event_type,
    userId: row.user_id,
    status: row.status,
    attempts: Number(row.attempts),
    lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
    lastError: row.last_error,
    nextAttemptAt: date(row.next_attempt_at),
    createdAt: date(row.created_at),
    deliveredAt: row.delivered_at === null ? null : date(row.delivered_at),
  });
}

/** The event types as stored: all of them for none given; INVALID_WEBHOOK_EVENT_TYPE for an unknown one. */
function eventTypesOf(given: readonly string[] | null | undefined): string[] {
  if (given == null || !given.length) return [...WEBHOOK_EVENT_TYPES];
  const unknown = given.find((type) => !isWebhookEventType(type));
  if (unknown !== undefined) throw new InvalidWebhookEventTypeError({ details: { eventType: unknown.slice(0, 64) } });
  return [...new Set(given)];
}

function descriptionOf(given: string | null | undefined): string | null {
  if (given == null || given === '') return null;
  return given.slice(0, DESCRIPTION_MAX);
}

export class WebhookEndpointService {
  constructor(
    private readonly db: Database,
    private readonly envelope: Envelope,
    private readonly clock: Clock,
    private readonly options: { production: boolean; secretOverlapMs: number },
  ) {}

  /** A new endpoint and its signing secret (shown this once). INVALID_WEBHOOK_URL, INVALID_WEBHOOK_EVENT_TYPE. */
  async create(projectId: string, input: CreateWebhookEndpointInput): Promise<WebhookEndpointSecretPayload> {
    const url = parseEndpointUrl(input.url, this.options.production);
    const types = eventTypesOf(input.eventTypes);
    const id = newId('webhook');
    const secret = newSigningSecret();
    const now = this.clock.now();
    const endpoint = await this.db.write(async (m) => {
      await this.holdAllowance(m, projectId);
      await sql(m, 'INSERT INTO webhook_endpoints (id, project_id, url, description, enabled, secret_ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        id, projectId, url, descriptionOf(input.description), input.enabled ?? true, this.envelope.encrypt(secret, secretAad(id)), now, now,
      ]);
      await this.subscribe(m, projectId, id, types);
      return this.require(m, projectId, id);
    });
    return { endpoint, secret };
  }

  list(projectId: string): Promise<WebhookEndpoint[]> {
    return this.db.read(async (m) => {
      const { rows } = await sql<EndpointRow>(m, `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE project_id = ? ORDER BY created_at, id`, [projectId]);
      return Promise.all(rows.map((row) => this.endpointOf(m, row)));
    });
  }

  /** Changes what the input gives; the event types given replace the old ones. */
  async update(projectId: string, input: UpdateWebhookEndpointInput): Promise<WebhookEndpoint> {
    const id = parseId('webhook', input.endpointId, 'WEBHOOK_ENDPOINT_NOT_FOUND');
    const url = input.url == null ? null : parseEndpointUrl(input.url, this.options.production);
    const types = input.eventTypes == null ? null : eventTypesOf(input.eventTypes);
    return this.db.write(async (m) => {
      await this.require(m, projectId, id);
      const changes: Array<[string, unknown]> = [['updated_at', this.clock.now()]];
      if (url !== null) changes.push(['url', url]);
      if (input.description !== undefined) changes.push(['description', descriptionOf(input.description)]);
      if (input.enabled != null) changes.push(['enabled', input.enabled]);
      // Column names are the literals above; values are bound.
      const sets = changes.map(([column]) => `${column} = ?`).join(', ');
      await sql(m, `UPDATE webhook_endpoints SET ${sets} WHERE id = ? AND project_id = ?`, [...changes.map(([, value]) => value), id, projectId]);
      if (types) {
        await sql(m, 'DELETE FROM webhook_subscriptions WHERE endpoint_id = ?', [id]);
        await this.subscribe(m, projectId, id, types);
      }
      return this.require(m, projectId, id);
    });
  }

  /** Deletes the endpoint and its deliveries (pending ones are never sent). */
  async delete(projectId: string, endpointId: string): Promise<string> {
    const id = parseId('webhook', endpointId, 'WEBHOOK_ENDPOINT_NOT_FOUND');
    const { affected } = await this.db.write((m) => sql(m, 'DELETE FROM webhook_endpoints WHERE id = ? AND project_id = ?', [id, projectId]));
    if (!affected) throw new WebhookEndpointNotFoundError();
    return id;
  }

  /** A new signing secret (shown once); the previous one keeps signing beside it for the overlap. */
  async rotateSecret(projectId: string, endpointId: string): Promise<WebhookEndpointSecretPayload> {
    const id = parseId('webhook', endpointId, 'WEBHOOK_ENDPOINT_NOT_FOUND');
    const secret = newSigningSecret();
    const now = this.clock.now();
    const endpoint = await this.db.write(async (m) => {
      await this.require(m, projectId, id);
      await sql(m, `UPDATE webhook_endpoints SET previous_secret_ciphertext = secret_ciphertext, previous_secret_expires_at = ?, secret_ciphertext = ?, updated_at = ?
        WHERE id = ? AND project_id = ?`, [now + this.options.secretOverlapMs, this.envelope.encrypt(secret, secretAad(id)), now, id, projectId]);
      return this.require(m, projectId, id);
    });
    return { endpoint, secret };
  }

  /**
   * The project's deliveries (of one endpoint, and in one status, if given), newest first, at most
   * `first` (default DELIVERIES_DEFAULT_PAGE).
   */
  deliveries(projectId: string, endpointId: string | null | undefined, first: number | null | undefined, status?: WebhookDeliveryStatus): Promise<WebhookDelivery[]> {
    const limit = first ?? DELIVERIES_DEFAULT_PAGE;
    const where = ['project_id = ?', ...(endpointId ? ['endpoint_id = ?'] : []), ...(status ? ['status = ?'] : [])].join(' AND ');
    const params = [projectId, ...(endpointId ? [endpointId] : []), ...(status ? [status] : []), limit];
    return this.db.read(async (m) => {
      const { rows } = await sql<DeliveryRow>(m, `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE ${where} ORDER BY seq DESC LIMIT ?`, params);
      return rows.map(deliveryOf);
    });
  }

  /**
   * Sends a past delivery again: a new pending delivery of the same message (same webhook-id, so a
   * receiver that already has it can tell) to the same endpoint, due now. `projectId` null: any
   * project's (the operator's CLI). WEBHOOK_DELIVERY_NOT_FOUND.
   */
  async replay(projectId: string | null, deliveryId: string): Promise<WebhookDelivery> {
    if (!/^\d{1,18}$/.test(deliveryId)) throw new WebhookDeliveryNotFoundError();
    const now = this.clock.now();
    return this.db.write(async (m) => {
      const scope = projectId === null ? '' : ' AND project_id = ?';
      const { rows } = await sql<{ seq: number | string }>(m, `INSERT INTO webhook_deliveries (message_id, endpoint_id, project_id, user_id, event_type, payload, status, attempts, next_attempt_at, created_at)
        SELECT message_id, endpoint_id, project_id, user_id, event_type, payload, 'pending', 0, CAST(? AS BIGINT), CAST(? AS BIGINT) FROM webhook_deliveries WHERE seq = ?${scope} RETURNING seq`,
        projectId === null ? [now, now, Number(deliveryId)] : [now, now, Number(deliveryId), projectId]);
      if (!rows.length) throw new WebhookDeliveryNotFoundError();
      const replayed = await sql<DeliveryRow>(m, `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE seq = ?`, [rows[0].seq]);
      return deliveryOf(replayed.rows[0]);
    });
  }

  /**
   * Inside the creating transaction: WEBHOOK_ENDPOINT_LIMIT_REACHED once the project has its
   * MAX_ENDPOINTS_PER_PROJECT. The project's row is locked first (PostgreSQL FOR NO KEY UPDATE, which
   * the foreign-key checks of the project's other writes do not wait for; SQLite's writer lock
   * already serialises), so concurrent creations cannot each count the same free place.
   */
  private async holdAllowance(m: EntityManager, projectId: string): Promise<void> {
    if (this.db.dialect === 'postgres') await sql(m, 'SELECT id FROM projects WHERE id = ? FOR NO KEY UPDATE', [projectId]);
    const { rows } = await sql<{ n: number | string }>(m, 'SELECT COUNT(*) AS n FROM webhook_endpoints WHERE project_id = ?', [projectId]);
    if (Number(rows[0].n) >= MAX_ENDPOINTS_PER_PROJECT) throw new WebhookEndpointLimitReachedError();
  }

  private async subscribe(m: EntityManager, projectId: string, endpointId: string, types: readonly string[]): Promise<void> {
    for (const type of types) await sql(m, 'INSERT INTO webhook_subscriptions (endpoint_id, event_type, project_id) VALUES (?, ?, ?)', [endpointId, type, projectId]);
  }

  private async require(m: EntityManager, projectId: string, id: string): Promise<WebhookEndpoint> {
    const { rows } = await sql<EndpointRow>(m, `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ? AND project_id = ?`, [id, projectId]);
    if (!rows.length) throw new WebhookEndpointNotFoundError();
    return this.endpointOf(m, rows[0]);
  }

  private async endpointOf(m: EntityManager, row: EndpointRow): Promise<WebhookEndpoint> {
    const { rows } = await sql<{ event_type: string }>(m, 'SELECT event_type FROM webhook_subscriptions WHERE endpoint_id = ?', [row.id]);
    const subscribed = new Set(rows.map((r) => r.event_type));
    return Object.assign(new WebhookEndpoint(), {
      endpointId: row.id,
      url: row.url,
      description: row.description,
      enabled: Boolean(row.enabled),
      eventTypes: WEBHOOK_EVENT_TYPES.filter((type) => subscribed.has(type)),
      previousSecretExpiresAt: row.previous_secret_expires_at === null ? null : date(row.previous_secret_expires_at),
      createdAt: date(row.created_at),
      updatedAt: date(row.updated_at),
    });
  }
}
