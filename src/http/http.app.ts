// The Fastify instance every route lives on: body limits, timeouts, proxies, request ids and
// logging; and the HTTP edge's answers for failures before any handler runs and for unknown routes,
// through the one error policy (src/errors/error.wire.ts), in GraphQL's wire form (the /v1 scope has
// its own, Stytch's).
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';
import type { Config } from '../config';
import { GatewayError } from '../errors/error.catalogue';
import { graphqlErrorBody, httpAnswer, logFailure, toGatewayError } from '../errors/error.wire';
import { registerJsonBody } from './request-bytes';
import { clientErrorHandler, frameworkErrors } from './client-errors';
import { completedFields, recordErrorCodes } from './request-log';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** How often Node looks for requests past HTTP_REQUEST_TIMEOUT_SECONDS (a pass over open connections). */
const REQUEST_TIMEOUT_CHECK_MS = 1000;
const MS_PER_SECOND = 1000;

/** The Fastify app for `config`; logs go to `logStream` when given (tests capture them), else stdout. */
export function createHttpApp(config: Config, logStream?: DestinationStream): FastifyInstance {
  const requestTimeoutMs = config.http.requestTimeoutSeconds * MS_PER_SECOND;
  return Fastify({
    bodyLimit: config.http.bodyLimitBytes,
    // request.ip is the peer's address, or behind these proxies the client X-Forwarded-For names;
    // without them X-Forwarded-For is ignored, so a caller cannot pick its own address.
    trustProxy: config.http.trustedProxies.length ? [...config.http.trustedProxies] : false,
    // The /v1 routes' JSON schemas (src/rest/rest.schemas.ts) check types as sent: Fastify's default
    // Ajv coerces ("123456" -> ["123456"], "5" -> 5) and removes properties; neither may happen.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false } },
    requestTimeout: requestTimeoutMs,
    // Requests refused before any route: the catalogue's body with a request id (client-errors.ts).
    frameworkErrors,
    clientErrorHandler,
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
        // "request completed": status, GraphQL operation names, result and error codes (request-log.ts).
        res: (reply: { statusCode: number; request?: object }) => ({ ...completedFields(reply) }),
      },
      // JSON lines everywhere but development, where people read the terminal (pino-pretty as a
      // synchronous stream: the same redaction applies, no worker thread).
      ...(logStream
        ? { stream: logStream }
        : config.env === 'development' && { stream: pinoPretty({ colorize: Boolean(process.stdout.isTTY), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }) }),
    },
  });
}

/**
 * The HTTP edge: the x-request-id header on every answer, the JSON body parser, and the answers for
 * failures before Apollo runs (body bytes and size, media type, URL encoding, a failing caller
 * lookup) and for unknown routes. `methods` lists, per path, the methods it serves: another method
 * there is 405 with Allow (RFC 9110 §15.5.6), not 404.
 */
export function registerHttpEdge(app: FastifyInstance, methods: Readonly<Record<string, readonly string[]>>): void {
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerJsonBody(app);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // E.g. the database failing while the caller is resolved (onRequest): its coded, retryable answer.
    const failure = toGatewayError(error);
    logFailure(request.log, request.id, failure);
    recordErrorCodes(request, [failure.code]);
    const { status, headers } = httpAnswer(failure);
    void reply.status(status).headers(headers).send(graphqlErrorBody(failure, request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    const allowed = methods[request.url.split('?')[0]];
    if (allowed) {
      const refusal = new GatewayError('METHOD_NOT_ALLOWED');
      recordErrorCodes(request, [refusal.code]);
      void reply.status(refusal.status).header('allow', allowed.join(', ')).send(graphqlErrorBody(refusal, request.id));
      return;
    }
    const missing = new GatewayError('ROUTE_NOT_FOUND');
    recordErrorCodes(request, [missing.code]);
    void reply.status(missing.status).send(graphqlErrorBody(missing, request.id));
  });
}
