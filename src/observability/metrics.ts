// Prometheus metrics of one gateway, on its own prom-client Registry (never the global default one:
// tests run several gateways in one process). Services see only the small hooks they need.
import { parseBasicAuth } from '../http/basic-auth';
import { constantTimeEqual } from '../crypto/keyed-hash';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/database';
import type { AuthEventOutcome } from '../audit/auth-event.entity';
import type { DeliveryMetrics } from '../webhooks/webhook.worker';
import { sql } from '../db/sql';

export type AuthFactor = 'totp' | 'recovery_code' | 'device';

/** What a verification attempt reports (VerificationAttemptService): one call per verified (or refused-as-locked) attempt, after its transaction committed. */
export interface AuthMetrics {
  authentication(factor: AuthFactor, result: AuthEventOutcome): void;
  sessionIssued(): void;
}

export const noopAuthMetrics: AuthMetrics = { authentication: () => undefined, sessionIssued: () => undefined };

const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Operation names come from callers: at most this many distinct ones are labelled, the rest are `other`. */
const MAX_OPERATION_NAMES = 100;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * The oldest pending webhook delivery's creation (epoch ms), or null when none waits. Enabled endpoints'
 * only: a disabled endpoint's deliveries wait on purpose (the worker skips them too), so they are no lag.
 */
const OLDEST_PENDING = `SELECT MIN(d.created_at) AS oldest FROM webhook_deliveries d
  WHERE d.status = 'pending' AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = d.endpoint_id AND e.enabled = TRUE)`;

export class GatewayMetrics implements AuthMetrics, DeliveryMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'method' | 'route' | 'status_code'>;
  private readonly httpDuration: Histogram<'method' | 'route'>;
  private readonly graphqlOperations: Counter<'operation' | 'result'>;
  private readonly graphqlDuration: Histogram<'operation'>;
  private readonly authentications: Counter<'factor' | 'result'>;
  private readonly lockouts: Counter<'factor'>;
  private readonly sessions: Counter;
  private readonly webhookDeliveries: Counter<'result'>;
  private readonly operationNames = new Set<string>();

  constructor(db: Database) {
    const registers = [this.registry];
    // Standard process_* and nodejs_* names, so stock dashboards work.
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({
      name: 'totp_gateway_http_requests_total',
      help: 'HTTP requests by method, route pattern (never the raw URL) and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'totp_gateway_http_request_duration_seconds',
      help: 'HTTP request latency by method and route pattern.',
      labelNames: ['method', 'route'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    });
    this.graphqlOperations = new Counter({
      name: 'totp_gateway_graphql_operations_total',
      help: 'GraphQL operations by operation name (each operation of a batch counts) and result (success, error).',
      labelNames: ['operation', 'result'],
      registers,
    });
    this.graphqlDuration = new Histogram({
      name: 'totp_gateway_graphql_operation_duration_seconds',
      help: 'GraphQL operation latency by operation name.',
      labelNames: ['operation'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    });
    this.authentications = new Counter({
      name: 'totp_gateway_authentications_total',
      help: 'Verification attempts of TOTP codes, recovery codes and remembered-device tokens by factor and outcome (success, failure, replay, locked).',
      labelNames: ['factor', 'result'],
      registers,
    });
    this.lockouts = new Counter({
      name: 'totp_gateway_lockouts_total',
      help: 'Verification attempts refused unverified because the user was locked out (USER_LOCK_LIMIT_REACHED).',
      labelNames: ['factor'],
      registers,
    });
    this.sessions = new Counter({
      name: 'totp_gateway_sessions_issued_total',
      help: 'New sessions created by a successful authentication (extending an existing session is not counted).',
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: 'totp_gateway_webhook_deliveries_total',
      help: 'Webhook delivery attempts by result: delivered (2xx), retry (failed, will be retried), failed (retries exhausted).',
      labelNames: ['result'],
      registers,
    });
    new Gauge({
      name: 'totp_gateway_webhook_oldest_undelivered_age_seconds',
      help: 'Age of the oldest webhook delivery still pending (0 when none): how far delivery lags behind, across every process on the database.',
      registers,
      async collect() {
        let oldest: string | number | null | undefined;
        try {
          ({ rows: [{ oldest } = { oldest: null }] } = await db.read((m) => sql<{ oldest: string | number | null }>(m, OLDEST_PENDING, [])));
        } catch {
          // A database that cannot answer must not fail the whole scrape (/readyz reports it): the
          // gauge keeps its last value until the next scrape can read it.
          return;
        }
        this.set(oldest == null ? 0 : Math.max(0, (Date.now() - Number(oldest)) / 1000));
      },
    });
    new Gauge({
      name: 'totp_gateway_db_pool_connections',
      help: 'Database connections by state (total, idle, waiting: queued requests for a connection). SQLite: one shared connection.',
      labelNames: ['state'],
      registers,
      collect() {
        const pool = poolStats(db);
        this.set({ state: 'total' }, pool.total);
        this.set({ state: 'idle' }, pool.idle);
        this.set({ state: 'waiting' }, pool.waiting);
      },
    });
  }

  authentication(factor: AuthFactor, result: AuthEventOutcome): void {
    this.authentications.inc({ factor, result });
    if (result === 'locked') this.lockouts.inc({ factor });
  }

  sessionIssued(): void {
    this.sessions.inc();
  }

  webhookDelivery(result: 'delivered' | 'retry' | 'failed'): void {
    this.webhookDeliveries.inc({ result });
  }

  httpRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status_code: String(statusCode) });
    this.httpDuration.observe({ method, route }, seconds);
  }

  graphqlOperation(name: string | null | undefined, authenticated: boolean, ok: boolean, seconds: number): void {
    const operation = this.operationLabel(name, authenticated);
    this.graphqlOperations.inc({ operation, result: ok ? 'success' : 'error' });
    this.graphqlDuration.observe({ operation }, seconds);
  }

  /** Bounded label values: unauthenticated callers cannot mint new series, nor can anyone beyond the cap. */
  private operationLabel(name: string | null | undefined, authenticated: boolean): string {
    if (!authenticated) return 'unauthenticated';
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'other';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }
}

/** PostgreSQL: the pg pool behind TypeORM's driver; SQLite: its one shared connection. */
function poolStats(db: Database): { total: number; idle: number; waiting: number } {
  if (db.dialect === 'sqlite') return { total: 1, idle: 0, waiting: 0 };
  const pool = (db.dataSource.driver as unknown as { master?: { totalCount?: number; idleCount?: number; waitingCount?: number } }).master;
  return { total: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0 };
}

/** Check of an `Authorization: Basic` header against METRICS_AUTH, in constant time. */
export function metricsAuthorized(header: string | undefined, expected: { username: string; password: string }): boolean {
  const given = parseBasicAuth(header);
  return constantTimeEqual(given ? `${given.username}:${given.password}` : '', `${expected.username}:${expected.password}`);
}
