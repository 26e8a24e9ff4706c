// Builds one gateway: a DataSource, the services, Apollo Server and Fastify. main.ts and cli.ts start
// it; tests start as many isolated ones as they like (nothing here is module-global).
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyError, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';
import type { Config } from './config';
import { createDataSource } from './data-source';
import { Database } from './db/database';
import { DEFAULT_CHECKPOINTER } from './db/checkpointer';
import { runMigrations } from './db/migrate';
import { createServices, type Services } from './services';
import { gatewaySchema } from './schema';
import type { GatewayContext } from './graphql/context';
import { operationLimits, tokenLimitError } from './graphql/limits';
import { GraphqlFastPath, type FastPathSettings } from './graphql/fast-path';
import { stampArrival } from './common/arrival';
import { RateLimitService } from './ratelimit/rate-limit.service';
import { rateLimitPlugin } from './ratelimit/rate-limit.plugin';
import { ANONYMOUS_CALLER, PUBLIC_TOKEN_HEADER, type Caller } from './auth/caller';
import { allowOrigin, registerCors } from './auth/cors';
import { registerRestRoutes } from './rest/rest.routes';
import { ERROR_CATALOGUE, GatewayError, BatchTooLargeError } from './errors/error.catalogue';
import { missingParentError } from './errors/missing-parent';
import { graphqlErrorBody, httpLayerError, withRequestIds } from './errors/error.wire';
import { checkUrlEncoding, refusePrototypeKeys, registerJsonBody } from './http/request-bytes';
import { ErrorDisclosure } from './graphql/error-disclosure';
import { systemClock, type Clock } from './common/clock';
import { GatewayMetrics, metricsAuthorized } from './observability/metrics';
import { readiness } from './observability/health';
import { createKeyring } from './crypto/keyring';
import { verifyEncryptionKeys } from './crypto/key-check.service';
import { retryAfterSeconds } from './db/database.errors';
import { applyRetryAfter } from './graphql/retry-after';

export interface GatewayOptions {
  /** Where logs go (default stdout); tests capture them to prove nothing secret is logged. */
  readonly logStream?: DestinationStream;
  readonly clock?: Clock;
  /** Apply pending migrations at start (default true). */
  readonly migrate?: boolean;
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

/** Codes Apollo itself produces for a client's mistakes: passed through, never masked. */
const CLIENT_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const GRAPHQL_PATH = '/graphql';
const GRAPHQL_METHODS = ['GET', 'POST', 'OPTIONS'] as const;
/** How often Node looks for requests past HTTP_REQUEST_TIMEOUT_SECONDS (a pass over open connections). */
const REQUEST_TIMEOUT_CHECK_MS = 1000;

/** A header's value, or undefined (Node joins a repeated custom header into one string, which then matches no token). */
const header = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);

export async function createGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const dataSource = createDataSource(config.database);
  await dataSource.initialize();
  const db = new Database(dataSource, config.database);
  try {
    if (options.migrate !== false) await runMigrations(dataSource);
    // Before anything reads or writes a secret: keys that cannot read this database refuse the start.
    await verifyEncryptionKeys(db, createKeyring(config.encryption.key, config.encryption.previousKeys), (options.clock ?? systemClock).now());
    const metrics = new GatewayMetrics(db);
    const services = createServices(config, db, options.clock, metrics);
    const app = buildHttp(config, options);
    if (config.database.kind === 'sqlite' && config.database.backgroundCheckpoint) await db.checkpointInBackground(DEFAULT_CHECKPOINTER, (message) => app.log.warn(message));
    stampArrival(app, options.clock ?? systemClock);
    // Installed only when enabled, so a gateway without a rate limit does no work for it per request.
    const { requestsPerMinute, sessionRequestsPerMinute, ipRequestsPerMinute } = config.rateLimit;
    const limited = requestsPerMinute > 0 || sessionRequestsPerMinute > 0 || ipRequestsPerMinute > 0;
    const rateLimits = limited ? new RateLimitService(db, options.clock ?? systemClock, config.rateLimit) : undefined;
    const apollo = buildApollo(config, app, metrics, rateLimits);
    await apollo.start();
    // The rate limit is an Apollo plugin the fast path (project-secret callers only) does not drive:
    // with a backend limit on, Apollo answers everything.
    const fastPath = rateLimits?.limitsBackend ? undefined : buildFastPath(config, metrics);
    registerRoutes(app, apollo, services, config, rateLimits, fastPath);
    registerObservability(app, db, metrics);
    // METRICS_PORT: /metrics only on its own loopback listener, never on the public port.
    const metricsApp = config.metrics.port ? Fastify({ logger: false }) : app;
    if (config.metrics.served) registerMetricsRoute(metricsApp, metrics, config);
    await app.ready();
    if (metricsApp !== app) await metricsApp.ready();
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
        if (metricsApp !== app) await metricsApp.close();
        await app.close();
        await apollo.stop().catch(() => undefined);
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

function buildHttp(config: Config, options: GatewayOptions): FastifyInstance {
  const requestTimeoutMs = config.http.requestTimeoutSeconds * 1000;
  return Fastify({
    bodyLimit: config.http.bodyLimitBytes,
    // request.ip is the peer's address, or behind these proxies the client X-Forwarded-For names;
    // without them X-Forwarded-For is ignored, so a caller cannot pick its own address.
    trustProxy: config.http.trustedProxies.length ? [...config.http.trustedProxies] : false,
    // The /v1 routes' JSON schemas (src/rest/rest.schemas.ts) check types as sent: Fastify's default
    // Ajv coerces ("123456" -> ["123456"], "5" -> 5) and removes properties; neither may happen.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false } },
    requestTimeout: requestTimeoutMs,
    // Node checks request and header deadlines on an interval (30 s by default), so a 30 s limit could
    // take a minute to act; headers may not take longer than the whole request.
    http: { connectionsCheckingInterval: Math.min(REQUEST_TIMEOUT_CHECK_MS, requestTimeoutMs), headersTimeout: requestTimeoutMs },
    // A caller's X-Request-Id is kept when it is safe to log; otherwise we make one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-public-token"]'], censor: '[redacted]' },
      // The path only: a GET /graphql?query=... carries codes and tokens in its query string.
      serializers: {
        req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: req.url.split('?')[0], reqId: req.id }),
      },
      // JSON lines everywhere but development, where people read the terminal (pino-pretty as a
      // synchronous stream: the same redaction applies, no worker thread).
      ...(options.logStream
        ? { stream: options.logStream }
        : config.env === 'development' && { stream: pinoPretty({ colorize: Boolean(process.stdout.isTTY), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }) }),
    },
  });
}

function buildApollo(config: Config, app: FastifyInstance, metrics: GatewayMetrics, rateLimits?: RateLimitService): ApolloServer<GatewayContext> {
  // Aliases, depth, directives, cost and root fields as validation rules; tokens while parsing.
  const limits = operationLimits(config.operationLimits);
  const disclosure = new ErrorDisclosure(gatewaySchema(), config.graphql.introspection);
  return new ApolloServer<GatewayContext>({
    schema: gatewaySchema(),
    introspection: config.graphql.introspection,
    // Each operation of a batch is executed, and counted against lockout, on its own.
    allowBatchedHttpRequests: true,
    // A request with any of these headers cannot be a "simple" cross-site request (it needs a CORS
    // preflight), so it may use GET; X-Public-Token is what every browser session caller sends.
    csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', PUBLIC_TOKEN_HEADER] },
    includeStacktraceInErrorResponses: false,
    parseOptions: limits.parseOptions,
    validationRules: limits.validationRules,
    formatError: (formatted, error) => formatError(formatted, error, config.operationLimits, disclosure),
    plugins: [
      fastifyApolloDrainPlugin(app),
      config.graphql.sandbox ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
      requestIdPlugin,
      operationMetricsPlugin(metrics),
      ...limits.plugins,
      ...(rateLimits ? [rateLimitPlugin(rateLimits)] : []),
    ],
  });
}

/** Apollo's parse options, validation rules, formatError and request plugins for src/graphql/fast-path.ts. */
function buildFastPath(config: Config, metrics: GatewayMetrics): FastPathSettings {
  const limits = operationLimits(config.operationLimits);
  const disclosure = new ErrorDisclosure(gatewaySchema(), config.graphql.introspection);
  return {
    schema: gatewaySchema(),
    parseOptions: limits.parseOptions,
    introspection: config.graphql.introspection,
    validationRules: limits.validationRules,
    formatError: (formatted, error) => formatError(formatted, error, config.operationLimits, disclosure),
    plugins: [requestIdPlugin, operationMetricsPlugin(metrics), ...limits.plugins],
  };
}

/**
 * The catalogue error behind what Apollo hands formatError: thrown by a resolver or a plugin, or
 * reported by a validation rule (Apollo wraps those as GRAPHQL_VALIDATION_FAILED, ours as originalError).
 */
function catalogueError(error: unknown): GatewayError | undefined {
  const original = unwrapResolverError(error);
  if (original instanceof GatewayError) return original;
  if (original instanceof GraphQLError && original.originalError instanceof GatewayError) return original.originalError;
  return missingParentError(original);
}

/**
 * Every error leaves with `code` and `errorType`; anything not in the catalogue is masked; graphql-js
 * and Apollo messages name no schema element the caller may not see (src/graphql/error-disclosure.ts).
 */
function formatError(formatted: GraphQLFormattedError, error: unknown, limits: Config['operationLimits'], disclosure: ErrorDisclosure): GraphQLFormattedError {
  const code = String(formatted.extensions?.code ?? '');
  const original = catalogueError(error) ?? (code === 'GRAPHQL_PARSE_FAILED' ? tokenLimitError(error, limits) : undefined);
  if (original) {
    const { http: _http, ...extensions } = original.extensions as Record<string, unknown>;
    return { message: original.message, locations: formatted.locations, path: formatted.path, extensions };
  }
  // Apollo answers some client mistakes with a bare GraphQLError and a 4xx status (e.g. "provided sha
  // does not match query" for persisted queries): a client error, not ours to mask.
  const message = disclosure.message(formatted.message, sentDocument(error));
  if (hasClientStatus(error) && !CLIENT_ERROR_CODES.has(code)) {
    return { message, locations: formatted.locations, path: formatted.path, extensions: { code: 'BAD_REQUEST', errorType: 'bad_request' } };
  }
  if (CLIENT_ERROR_CODES.has(code)) {
    const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
    const errorType = code in ERROR_CATALOGUE ? ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].errorType : code.toLowerCase();
    return { ...formatted, message, extensions: { ...extensions, code, errorType } };
  }
  const internal = ERROR_CATALOGUE.INTERNAL_SERVER_ERROR;
  return {
    message: internal.message,
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', errorType: internal.errorType },
  };
}

/** The document text a graphql-js error was reported against ('' when it has none). */
function sentDocument(error: unknown): string {
  for (let e: unknown = error; e instanceof GraphQLError; e = e.originalError) {
    if (e.source) return e.source.body;
  }
  return '';
}

/** Refuses prototype keys in a GET's `variables` and `extensions` (JSON that does not parse is Apollo's to report). */
function refuseGetJsonPrototypeKeys(query: Record<string, unknown>): void {
  for (const name of ['variables', 'extensions']) {
    const text = query[name];
    if (typeof text !== 'string') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      continue;
    }
    refusePrototypeKeys(value, name);
  }
}

/**
 * Apollo answers some failures before any request hook runs (a CSRF refusal, `{}`, `[]`, variables
 * that are not an object, a failing context function): their errors get the request id here.
 * Only error answers (4xx/5xx) are read; a 200's errors already carry it (requestIdPlugin).
 */
function withRequestIdsOnErrors<H extends (this: never, request: never, reply: never) => unknown>(handler: H): H {
  const inner = handler as unknown as (this: unknown, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  return async function (this: unknown, request: FastifyRequest, reply: FastifyReply) {
    const body = await inner.call(this, request, reply);
    return typeof body === 'string' && reply.statusCode >= 400 ? withRequestIds(body, request.id) : body;
  } as unknown as H;
}

/** A bare GraphQLError Apollo raised with a 4xx HTTP status: the client's mistake. */
function hasClientStatus(error: unknown): boolean {
  const status = ((unwrapResolverError(error) as GraphQLError | undefined)?.extensions?.http as { status?: number } | undefined)?.status;
  return status !== undefined && status >= 400 && status < 500;
}

/** Logs an error the client only sees masked. Name, message and stack only: driver errors carry query parameters. */
function logUnexpected(log: FastifyBaseLogger, requestId: string, error: unknown): void {
  const e = error as Error & { code?: string };
  log.error({ requestId, err: { type: e?.constructor?.name ?? e?.name, message: e?.message, code: e?.code, stack: e?.stack } }, 'unexpected error');
}

/** Adds the request id to every error and logs the unexpected ones (masked for the client). */
const requestIdPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue }) {
        for (const error of errors) {
          const original = unwrapResolverError(error);
          // A coded server-side failure (the database busy or unavailable) is answered as such, and its cause logged.
          if (original instanceof GatewayError && original.status >= 500) logUnexpected(contextValue.log, contextValue.requestId, original.cause ?? original);
          if (original instanceof GatewayError || missingParentError(original) || CLIENT_ERROR_CODES.has(String(error.extensions?.code)) || hasClientStatus(error)) continue;
          logUnexpected(contextValue.log, contextValue.requestId, original);
        }
      },
      async willSendResponse({ response, contextValue, requestIsBatched }) {
        if (response.body.kind === 'single') {
          for (const error of response.body.singleResult.errors ?? []) {
            (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
          }
          // A batch shares one HTTP status: one operation's fault must not mark the others' answers as failed.
          if (!requestIsBatched) applyRetryAfter(response.body.singleResult, response.http);
        }
      },
    };
  },
};

/** One count and latency per GraphQL operation (each operation of a batch is its own request here). */
function operationMetricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, response, errors, contextValue }) {
          const failed = Boolean(errors?.length) || (response.body.kind === 'single' && Boolean(response.body.singleResult.errors?.length));
          metrics.graphqlOperation(operationName, contextValue.project !== null, !failed, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}

/** Per-route HTTP metrics (by route pattern, never the raw URL) and the readiness probe. */
function registerObservability(app: FastifyInstance, db: Database, metrics: GatewayMetrics): void {
  // While closing, a response that finishes an in-flight request also closes its keep-alive
  // connection; otherwise close() would wait for the idle connection's keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    // routeOptions.url is the pattern (`/v1/totps/authenticate`, `/v1/sessions/jwks/:project_id`); unmatched URLs share one label.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.get('/readyz', async (_request, reply) => {
    const state = await readiness(db);
    return reply.status(state.ready ? 200 : 503).send(state.ready ? { status: 'ready' } : { status: 'unavailable', reason: state.reason });
  });
}

function registerMetricsRoute(app: FastifyInstance, metrics: GatewayMetrics, config: Config): void {
  app.get('/metrics', async (request, reply) => {
    if (config.metrics.auth && !metricsAuthorized(request.headers.authorization, config.metrics.auth)) {
      const refusal = new GatewayError('UNAUTHORIZED_CREDENTIALS', { message: 'Send the metrics credentials (METRICS_AUTH) as HTTP Basic auth.' });
      return reply.status(401).header('www-authenticate', 'Basic realm="metrics"').send(graphqlErrorBody(refusal, request.id));
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

/**
 * Failures before Apollo runs (body bytes and size, media type, URL encoding, a failing caller
 * lookup) and unknown routes, in GraphQL's wire form with the request id; the /v1 scope has its own
 * (Stytch's form).
 */
function registerErrorAnswers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const failure = httpLayerError(error);
    if (!failure) logUnexpected(request.log, request.id, error);
    const answer = failure ?? new GatewayError('INTERNAL_SERVER_ERROR');
    if (answer.status >= 500 && answer.code !== 'INTERNAL_SERVER_ERROR') {
      // The database failing while the caller is resolved (onRequest): its coded, retryable answer.
      logUnexpected(request.log, request.id, answer.cause ?? answer);
      const seconds = retryAfterSeconds(answer);
      if (seconds !== undefined) void reply.header('retry-after', String(seconds));
    }
    void reply.status(answer.status).send(graphqlErrorBody(answer, request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    // /graphql exists for GET and POST: another method there is 405 with Allow (RFC 9110 §15.5.6).
    if (request.url.split('?')[0] === GRAPHQL_PATH) {
      void reply.status(405).header('allow', GRAPHQL_METHODS.join(', ')).send(graphqlErrorBody(new GatewayError('METHOD_NOT_ALLOWED'), request.id));
      return;
    }
    void reply.status(404).send(graphqlErrorBody(new GatewayError('ROUTE_NOT_FOUND'), request.id));
  });
}

function registerRoutes(
  app: FastifyInstance,
  apollo: ApolloServer<GatewayContext>,
  services: Services,
  config: Config,
  rateLimits?: RateLimitService,
  fastPath?: FastPathSettings,
): void {
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  registerJsonBody(app);
  registerErrorAnswers(app);

  registerCors(app, GRAPHQL_PATH, services.projects);
  // Who calls is settled in onRequest, before the body is read, so every answer to an allowed origin
  // carries its CORS headers: a CSRF refusal, a body too large and malformed JSON included. A failing
  // lookup goes to the error handler above (logged, masked as INTERNAL_SERVER_ERROR).
  const callers = new WeakMap<FastifyRequest, Caller>();
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== GRAPHQL_PATH || request.method === 'OPTIONS') return;
    const caller = await services.callers.resolve({
      authorization: request.headers.authorization,
      publicToken: header(request.headers[PUBLIC_TOKEN_HEADER]),
      origin: request.headers.origin,
    });
    if (caller.corsOrigin) allowOrigin(reply, caller.corsOrigin);
    callers.set(request, caller);
  });
  // After the caller hook, so an allowed origin can read the refusal.
  app.addHook('onRequest', async (request) => checkUrlEncoding(request));
  // One context function for Apollo and the fast path.
  const apolloOptions = {
    context: async (request: FastifyRequest): Promise<GatewayContext> => {
      const { project, session, refusal } = callers.get(request) ?? ANONYMOUS_CALLER;
      return { project, session, refusal, requestId: request.id, receivedAtMs: request.receivedAtMs, clientIp: request.ip, log: request.log, container: services.resolvers };
    },
  };
  const apolloHandler = fastifyApolloHandler(apollo, apolloOptions);
  // Basic-auth POSTs of one JSON operation skip Apollo's per-request pipeline (src/graphql/fast-path.ts).
  const handler = fastPath ? new GraphqlFastPath({ ...fastPath, context: apolloOptions.context }).handler(apolloHandler) : apolloHandler;
  app.route({
    url: GRAPHQL_PATH,
    method: [...GRAPHQL_METHODS],
    preHandler: async (request, reply) => {
      if (Array.isArray(request.body) && request.body.length > config.http.maxBatchOperations) {
        const error = new BatchTooLargeError({ message: `At most ${config.http.maxBatchOperations} operations may be batched in one request.` });
        await reply.status(400).type('application/json').send(JSON.stringify(graphqlErrorBody(error, request.id)));
      }
      // A GET's variables and extensions are JSON too (parsed by Apollo, after this): same key rule as a JSON body.
      if (request.method === 'GET') refuseGetJsonPrototypeKeys(request.query as Record<string, unknown>);
    },
    handler: withRequestIdsOnErrors(handler),
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  registerRestRoutes(app, services, logUnexpected, rateLimits);

}
