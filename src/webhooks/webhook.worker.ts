// The delivery worker: claims due deliveries, signs and sends them, and records each outcome. Claims
// are leases (locked_until), taken in one statement that skips rows another process is claiming
// (PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite's writer lock serialises claims), so several processes
// share the work and each delivery is sent by one of them at a time; a process that dies mid-attempt
// leaves its lease to expire, and another process sends the delivery again (at-least-once, as
// Standard Webhooks expects receivers to deduplicate by webhook-id). A user's events reach one
// endpoint in order: a delivery waits while an earlier one of the same user and endpoint is pending,
// and once that one is delivered the same slot claims and sends the next (up to batchSize in a row),
// so a user's backlog drains at the receiver's pace, not one event per poll interval.
// At most WEBHOOK_BATCH_SIZE attempts are in flight; a slot freed is claimed again at once, so an
// attempt that waits out its timeout (a receiver that never answers) holds one slot, not the worker.
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import type { Envelope } from '../crypto/envelope';
import type { Clock } from '../common/clock';
import type { WebhookConfig } from '../config';
import { sql } from '../db/sql';
import { secretAad } from './webhook-endpoint.service';
import { signMessage } from './webhook.signer';
import type { AttemptResult, WebhookSender } from './webhook.sender';
import { nextAttempt } from './webhook.retry';

/** What the worker reports: one call per finished attempt (WEBHOOK metrics). */
export interface DeliveryMetrics {
  webhookDelivery(result: 'delivered' | 'retry' | 'failed'): void;
}

interface ClaimedRow {
  seq: number | string;
  message_id: string;
  endpoint_id: string;
  user_id: string | null;
  payload: string;
  attempts: number;
  created_at: string | number;
}

interface EndpointSecrets {
  url: string;
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  previous_secret_expires_at: string | number | null;
}

/**
 * Due, unleased, enabled, and no earlier pending delivery of the same user to the same endpoint;
 * `also` narrows it further (its parameters come before the limit's).
 */
const dueSql = (also = '') => `SELECT d.seq FROM webhook_deliveries d
  WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.locked_until IS NULL OR d.locked_until <= ?)
    AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = d.endpoint_id AND e.enabled = TRUE)
    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id AND p.user_id = d.user_id AND p.status = 'pending' AND p.seq < d.seq)${also}
  ORDER BY d.seq LIMIT ?`;
const DUE = dueSql();
/** The claim: takes a lease and counts the attempt. Parameters: lease end, now, now, (also's), limit. */
const claimSql = (lockClause: string, also = '') => `UPDATE webhook_deliveries SET locked_until = ?, attempts = attempts + 1
  WHERE seq IN (${dueSql(also)}${lockClause})
  RETURNING seq, message_id, endpoint_id, user_id, payload, attempts, created_at`;
/** The next due delivery of one user to one endpoint. Parameters of `also`: endpoint id, user id. */
const SAME_USER = ' AND d.endpoint_id = ? AND d.user_id = ?';
/** Whether anything is due (DUE as a read: an idle worker never takes a write lock or row locks). Parameters: now, now, 1. */
const ANY_DUE = DUE;
/**
 * Retention: finished deliveries older than WEBHOOK_RETENTION_DAYS, oldest first, a bounded batch per
 * statement (portable: no DELETE ... LIMIT on PostgreSQL). Pending ones are never deleted.
 */
const SWEEP = `DELETE FROM webhook_deliveries WHERE seq IN (
  SELECT seq FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ? ORDER BY seq LIMIT ?)`;
const SWEEP_BATCH = 1000;
/** How often (by the gateway's clock) a worker sweeps finished deliveries. */
const SWEEP_INTERVAL_MS = 3_600_000;
const FINISH = `UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, locked_until = NULL, last_status_code = ?, last_error = ?, delivered_at = ?
  WHERE seq = ? AND attempts = ?`;
const SECRETS = 'SELECT url, secret_ciphertext, previous_secret_ciphertext, previous_secret_expires_at FROM webhook_endpoints WHERE id = ?';

export class WebhookWorker {
  private readonly claim: string;
  private readonly claimNext: string;
  private running = false;
  private lastSweepMs = Number.NEGATIVE_INFINITY;
  private loop?: Promise<void>;
  private readonly stopped = new AbortController();
  /** The attempts being sent and recorded (at most batchSize). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Wakes the loop waiting for a free slot (an attempt finished, or the worker stops). */
  private slotFreed: (() => void) | null = null;

  constructor(
    private readonly db: Database,
    private readonly envelope: Envelope,
    private readonly sender: WebhookSender,
    private readonly clock: Clock,
    private readonly config: WebhookConfig,
    private readonly metrics: DeliveryMetrics,
    private readonly warn: (message: string) => void,
  ) {
    const lockClause = db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    this.claim = claimSql(lockClause);
    this.claimNext = claimSql(lockClause, SAME_USER);
  }

  /** Starts polling (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.poll();
  }

  /** Stops polling and waits for the round in flight (its attempts finish and are recorded). Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped.signal.aborted) return this.loop;
    this.running = false;
    this.stopped.abort();
    this.wake();
    this.loop = (async () => {
      await this.loop;
      await Promise.all(this.inFlight);
      await this.sender.close();
    })();
    return this.loop;
  }

  private async poll(): Promise<void> {
    while (this.running) {
      const free = this.config.batchSize - this.inFlight.size;
      let claimed = 0;
      try {
        claimed = free > 0 ? await this.claimAndSend(free) : 0;
      } catch (error) {
        // A database fault: nothing is lost (claims expire), the next round tries again.
        this.warn(`webhook delivery round failed: ${(error as Error).message}`);
      }
      if (!this.running) break;
      if (this.inFlight.size >= this.config.batchSize) await new Promise<void>((resolve) => (this.slotFreed = resolve));
      else if (claimed < free) await sleep(this.config.pollIntervalMs, undefined, { signal: this.stopped.signal }).catch(() => undefined);
    }
  }

  /**
   * One round outside the polling loop, awaited until every attempt it started (and each one's chain
   * of the same user's next deliveries) is sent and recorded; for tools and tests that run rounds
   * themselves with WEBHOOK_WORKER=false. Returns how many deliveries it claimed at the start.
   */
  async runOnce(): Promise<number> {
    const claimed = await this.claimAndSend(this.config.batchSize - this.inFlight.size);
    await Promise.all(this.inFlight);
    return claimed;
  }

  private wake(): void {
    const wake = this.slotFreed;
    this.slotFreed = null;
    wake?.();
  }

  /**
   * One round: claims up to `free` due deliveries and starts sending them, each recorded when its
   * attempt ends (not awaited here: a slow attempt holds its slot only); each one delivered is followed
   * in its slot by its user's next delivery to that endpoint (sendInOrder). Returns how many it claimed.
   */
  private async claimAndSend(free: number): Promise<number> {
    const now = this.clock.now();
    if (now - this.lastSweepMs >= SWEEP_INTERVAL_MS) await this.sweep(now);
    const { rows: due } = await this.db.read((m) => sql(m, ANY_DUE, [now, now, 1]));
    if (!due.length) return 0;
    const claimed = await this.db.write((m) => sql<ClaimedRow>(m, this.claim, [now + this.config.leaseMs, now, now, free]));
    // Each endpoint's secrets are read and opened once per round, however many of its deliveries it holds.
    const endpointIds = [...new Set(claimed.rows.map((row) => row.endpoint_id))];
    const endpoints = await this.db.read(async (m) => new Map(await Promise.all(endpointIds.map(async (id) => [id, await this.secrets(m, id)] as const))));
    for (const row of claimed.rows) {
      const attempt: Promise<void> = this.sendInOrder(row, endpoints.get(row.endpoint_id) ?? null)
        // Recording failed (a database fault): the lease expires and another round sends it again.
        .catch((error: unknown) => this.warn(`webhook delivery round failed: ${(error as Error).message}`))
        .finally(() => {
          this.inFlight.delete(attempt);
          this.wake();
        });
      this.inFlight.add(attempt);
    }
    return claimed.rows.length;
  }

  /** Deletes finished deliveries past retention, a batch per transaction, until none is left. */
  private async sweep(now: number): Promise<void> {
    this.lastSweepMs = now;
    for (;;) {
      const { affected } = await this.db.write((m) => sql(m, SWEEP, [now - this.config.retentionMs, SWEEP_BATCH]));
      if (affected < SWEEP_BATCH) return;
    }
  }

  /**
   * Sends `first`, then, while each is delivered (a 2xx) and the worker is not stopped, claims the same user's
   * next due delivery to the same endpoint (the claim's lease and order rules: nothing another worker
   * holds, nothing ahead of an earlier pending one) and sends it, at most batchSize in a row so one
   * user's backlog cannot hold the round.
   */
  private async sendInOrder(first: ClaimedRow, endpoint: { url: string; secrets: string[] } | null): Promise<void> {
    let row: ClaimedRow | undefined = first;
    for (let sent = 1; row; sent++) {
      const delivered = await this.deliver(row, endpoint);
      if (!delivered || row.user_id === null || this.stopped.signal.aborted || sent >= this.config.batchSize) return;
      row = await this.claimNextOf(row.endpoint_id, row.user_id);
    }
  }

  /** Claims the next due delivery of `userId` to `endpointId`, if any. */
  private async claimNextOf(endpointId: string, userId: string): Promise<ClaimedRow | undefined> {
    const now = this.clock.now();
    const { rows } = await this.db.write((m) => sql<ClaimedRow>(m, this.claimNext, [now + this.config.leaseMs, now, now, endpointId, userId, 1]));
    return rows[0];
  }

  /** One attempt at `row`, recorded; whether it was delivered. */
  private async deliver(row: ClaimedRow, endpoint: { url: string; secrets: string[] } | null): Promise<boolean> {
    let result: AttemptResult;
    if (!endpoint) {
      result = { ok: false, statusCode: null, error: 'endpoint deleted' };
    } else {
      const sentAt = this.clock.now();
      result = await this.sender.send(endpoint.url, signMessage(endpoint.secrets, row.message_id, sentAt, row.payload), row.payload);
    }
    await this.finish(row, result);
    return result.ok;
  }

  /** The endpoint's URL and the secrets that sign now (the previous one while its overlap lasts). */
  private async secrets(m: EntityManager, endpointId: string): Promise<{ url: string; secrets: string[] } | null> {
    const { rows } = await sql<EndpointSecrets>(m, SECRETS, [endpointId]);
    if (!rows.length) return null;
    const e = rows[0];
    const secrets = [this.envelope.decrypt(e.secret_ciphertext, secretAad(endpointId)).toString()];
    if (e.previous_secret_ciphertext && Number(e.previous_secret_expires_at) > this.clock.now()) {
      secrets.push(this.envelope.decrypt(e.previous_secret_ciphertext, secretAad(endpointId)).toString());
    }
    return { url: e.url, secrets };
  }

  private async finish(row: ClaimedRow, result: AttemptResult): Promise<void> {
    const now = this.clock.now();
    const next = result.ok ? null : nextAttempt(this.config, Number(row.attempts), Number(row.created_at), now);
    const status = result.ok ? 'delivered' : next === null ? 'failed' : 'pending';
    // Only the holder of this attempt's claim records it (a lease that expired may have been re-claimed).
    await this.db.write((m) => sql(m, FINISH, [status, next ?? now, result.statusCode, result.error, result.ok ? now : null, row.seq, row.attempts]));
    this.metrics.webhookDelivery(result.ok ? 'delivered' : next === null ? 'failed' : 'retry');
  }
}
