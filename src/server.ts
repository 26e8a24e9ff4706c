// The composition root: builds one gateway from its parts (a DataSource, the services, the Fastify
// app, Apollo Server, the GraphQL, REST and observability routes). main.ts and cli.ts start it; tests
// start as many isolated ones as they like (nothing here is module-global).
import 'reflect-metadata';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { DestinationStream } from 'pino';
import type { Config } from './config';
import { createDataSource } from './data-source';
import { Database } from './db/database';
import { DEFAULT_CHECKPOINTER } from './db/checkpointer';
import { runMigrations } from './db/migrate';
import { createServices, type Services } from './services';
import { graphqlSettings } from './api/graphql.settings';
import { buildApollo } from './api/apollo.server';
import { GRAPHQL_METHODS, GRAPHQL_PATH, registerGraphqlRoute } from './api/graphql.routes';
import { stampArrival } from './common/arrival';
import { RateLimitService } from './ratelimit/rate-limit.service';
import { registerRestRoutes } from './rest/rest.routes';
import { createHttpApp, registerHttpEdge } from './http/http.app';
import { systemClock, type Clock } from './common/clock';
import { GatewayMetrics } from './observability/metrics';
import { registerMetricsRoute, registerObservability } from './observability/observability.routes';
import { createKeyring } from './crypto/keyring';
import { verifyEncryptionKeys } from './crypto/key-check.service';
import { loadExplorerAssets } from './explorer/explorer.assets';
import { registerExplorerRoutes } from './explorer/explorer.routes';
import { loadConsoleAssets } from './console/console.assets';
import { registerConsoleRoutes } from './console/console.routes';
import { Tracing } from './tracing/tracing';
import { traceSqliteStatements, tracedPostgresClient } from './db/statement-tracing';
import { sqliteConnection } from './db/sql';
import { registerRequestTracing } from './http/request-tracing';
import { WebhookWorker } from './webhooks/webhook.worker';
import { WebhookSender } from './webhooks/webhook.sender';

export interface GatewayOptions {
  /** Where logs go (default stdout); tests capture them to prove nothing secret is logged. */
  readonly logStream?: DestinationStream;
  readonly clock?: Clock;
  /** Apply pending migrations at start (default true). */
  readonly migrate?: boolean;
  /**
   * Tests only (never set by main.ts or cli.ts): awaited on every route right after the arrival stamp,
   * so a test can hold a request whose body has arrived while it moves its injected clock, and prove
   * the code is verified at the arrival, without sleeping.
   */
  readonly afterArrival?: (request: FastifyRequest) => Promise<void>;
}

export interface Gateway {
  readonly app: FastifyInstance;
  readonly services: Services;
  readonly db: Database;
  readonly config: Config;
  readonly metrics: GatewayMetrics;
  /** Starts listening on config.host:config.port (and METRICS_PORT when set); resolves to the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Builds and readies one gateway (not yet listening): opens the database, applies pending migrations
 * (unless `options.migrate` is false), checks the encryption keys against it, then wires services,
 * the HTTP edge, Apollo and the fast path (one GraphQL settings object), REST and observability.
 * Throws, with the database closed again, when any step fails (e.g. EncryptionKeyMismatchError).
 */
export async function createGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  // Off unless OTEL_* asks for it: then nothing below installs a tracing hook (src/tracing/tracing.ts).
  let warn: (message: string) => void = () => undefined;
  const tracing = config.tracing ? Tracing.start(config.tracing, (message) => warn(message)) : undefined;
  const dataSource = createDataSource(config.database, tracing && tracedPostgresClient(tracing));
  try {
    await dataSource.initialize();
  } catch (error) {
    await tracing?.shutdown();
    throw error;
  }
  const sqlite = tracing && sqliteConnection(dataSource);
  if (tracing && sqlite) traceSqliteStatements(sqlite, tracing);
  const db = new Database(dataSource, config.database);
  try {
    if (options.migrate !== false) await runMigrations(dataSource);
    // Before anything reads or writes a secret: keys that cannot read this database refuse the start.
    await verifyEncryptionKeys(db, createKeyring(config.encryption.key, config.encryption.previousKeys), (options.clock ?? systemClock).now());
    const metrics = new GatewayMetrics(db);
    const services = createServices(config, db, options.clock, metrics);
    const app = createHttpApp(config, options.logStream);
    warn = (message) => app.log.warn(message);
    // First, so every later hook and route runs inside the request's span.
    if (tracing && config.tracing) {
      registerRequestTracing(app, tracing);
      const endpoint = new URL(config.tracing.endpoint);
      app.log.info({ endpoint: `${endpoint.origin}${endpoint.pathname}`, protocol: config.tracing.protocol, serviceName: config.tracing.serviceName }, 'OpenTelemetry tracing on');
    }
    if (config.database.kind === 'sqlite' && config.database.backgroundCheckpoint) await db.checkpointInBackground(DEFAULT_CHECKPOINTER, (message) => app.log.warn(message));
    stampArrival(app, options.clock ?? systemClock);
    const { afterArrival } = options;
    if (afterArrival) app.addHook('preValidation', (request) => afterArrival(request));
    // Installed only when enabled, so a gateway without a rate limit does no work for it per request.
    const { requestsPerMinute, sessionRequestsPerMinute, ipRequestsPerMinute } = config.rateLimit;
    const limited = requestsPerMinute > 0 || sessionRequestsPerMinute > 0 || ipRequestsPerMinute > 0;
    const rateLimits = limited ? new RateLimitService(db, options.clock ?? systemClock, config.rateLimit, (error) => app.log.warn({ err: { message: (error as Error)?.message } }, 'rate-limit sweep of expired windows failed; the next window retries it')) : undefined;
    // One GraphQL settings object for Apollo and the fast path (the rate limit included).
    const settings = graphqlSettings(config, metrics, rateLimits, tracing);
    // GRAPHQL_EXPLORER=graphiql: GraphiQL from the gateway's own files (read once; missing ones refuse the start).
    const explorerAssets = config.graphql.explorer === 'graphiql' ? loadExplorerAssets() : undefined;
    const apollo = buildApollo(config, app, settings, explorerAssets);
    await apollo.start();
    registerHttpEdge(app, { [GRAPHQL_PATH]: GRAPHQL_METHODS });
    registerGraphqlRoute(app, { apollo, services, config, settings });
    if (explorerAssets) registerExplorerRoutes(app, explorerAssets, GRAPHQL_PATH);
    registerRestRoutes(app, services, rateLimits);
    // CONSOLE_ENABLED: the operator's console from its built files (missing ones answer CONSOLE_NOT_BUILT).
    if (config.console.enabled) registerConsoleRoutes(app, loadConsoleAssets());
    registerObservability(app, db, metrics);
    // METRICS_PORT: /metrics only on its own loopback listener, never on the public port.
    const metricsApp = config.metrics.port ? Fastify({ logger: false }) : app;
    if (config.metrics.served) registerMetricsRoute(metricsApp, metrics, config);
    await app.ready();
    if (metricsApp !== app) await metricsApp.ready();
    const clock = options.clock ?? systemClock;
    const { webhooks } = config;
    const worker = webhooks.worker
      ? new WebhookWorker(db, services.envelope, new WebhookSender(webhooks), clock, webhooks, metrics, (message) => app.log.warn(message))
      : undefined;
    worker?.start();
    return {
      app,
      services,
      db,
      config,
      metrics,
      async listen() {
        if (metricsApp !== app) await metricsApp.listen({ host: '127.0.0.1', port: config.metrics.port });
        await app.listen({ host: config.host, port: config.port });
        const address = app.server.address();
        const port = typeof address === 'object' && address ? address.port : config.port;
        return `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      },
      async close() {
        // First: its attempts in flight finish and are recorded before the database closes.
        await worker?.stop();
        if (metricsApp !== app) await metricsApp.close();
        await app.close();
        await apollo.stop().catch(() => undefined);
        await db.close();
        // Last: exports the spans of the requests that just finished.
        await tracing?.shutdown();
      },
    };
  } catch (error) {
    await db.close();
    await tracing?.shutdown();
    throw error;
  }
}
