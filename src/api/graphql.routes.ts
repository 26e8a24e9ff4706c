// The /graphql route: who calls (settled before the body is read), the batch limit, and the
// handler: the fast path (src/api/fast-path.ts) for the requests it can answer, Apollo for all
// others, both from one set of GraphQL settings and one context function.
import type { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ANONYMOUS_CALLER, PUBLIC_TOKEN_HEADER, type Caller } from '../auth/caller';
import { allowOrigin, registerCors } from '../auth/cors';
import type { Config } from '../config';
import { BatchTooLargeError } from '../errors/error.catalogue';
import { graphqlErrorBody, withRequestIds } from '../errors/error.wire';
import { checkUrlEncoding, refusePrototypeKeys } from '../http/request-bytes';
import { errorCodesOf, operationLog, recordErrorCodes } from '../http/request-log';
import type { Services } from '../services';
import type { GatewayContext } from '../graphql/context';
import { GraphqlFastPath } from './fast-path';
import type { GraphqlSettings } from './graphql.settings';

export const GRAPHQL_PATH = '/graphql';
export const GRAPHQL_METHODS = ['GET', 'POST', 'OPTIONS'] as const;

/** A header's value, or undefined (Node joins a repeated custom header into one string, which then matches no token). */
const header = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);

export interface GraphqlRouteOptions {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly services: Services;
  readonly config: Config;
  /** The settings Apollo was built with; the fast path runs with them too. */
  readonly settings: GraphqlSettings;
}

/** Registers /graphql (GET, POST, and OPTIONS for CORS preflights) on `app`. */
export function registerGraphqlRoute(app: FastifyInstance, { apollo, services, config, settings }: GraphqlRouteOptions): void {
  registerCors(app, GRAPHQL_PATH, services.projects);
  // Who calls is settled in onRequest, before the body is read, so every answer to an allowed origin
  // carries its CORS headers: a CSRF refusal, a body too large and malformed JSON included. A failing
  // lookup goes to the error handler (logged, masked as INTERNAL_SERVER_ERROR).
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
  const context = async (request: FastifyRequest): Promise<GatewayContext> => {
    const { project, session, refusal } = callers.get(request) ?? ANONYMOUS_CALLER;
    return { project, session, refusal, requestId: request.id, receivedAtMs: request.receivedAtMs, userAgent: request.headers['user-agent'], clientIp: request.ip, peerIp: request.socket.remoteAddress, log: request.log, operations: operationLog(request), container: services.resolvers };
  };
  const apolloHandler = withRequestIdsOnErrors(fastifyApolloHandler(apollo, { context }));
  // Basic-auth POSTs of one JSON operation skip Apollo's per-request pipeline (src/api/fast-path.ts).
  const handler = new GraphqlFastPath({ ...settings, context }).handler(apolloHandler);
  app.route({
    url: GRAPHQL_PATH,
    method: [...GRAPHQL_METHODS],
    preHandler: async (request, reply) => {
      if (Array.isArray(request.body) && request.body.length > config.http.maxBatchOperations) {
        const error = new BatchTooLargeError({ message: `At most ${config.http.maxBatchOperations} operations may be batched in one request.` });
        await reply.status(error.status).type('application/json').send(JSON.stringify(graphqlErrorBody(error, request.id)));
      }
      // A GET's variables and extensions are JSON too (parsed by Apollo, after this): same key rule as a JSON body.
      if (request.method === 'GET') refuseGetJsonPrototypeKeys(request.query as Record<string, unknown>);
    },
    handler,
  });
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
 * Only error answers (4xx/5xx) are read; a 200's errors already carry it (the request-id plugin),
 * and so do the fast path's answers, which therefore skip this.
 */
function withRequestIdsOnErrors<H extends (this: never, request: never, reply: never) => unknown>(handler: H): H {
  const inner = handler as unknown as (this: unknown, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  return async function (this: unknown, request: FastifyRequest, reply: FastifyReply) {
    const body = await inner.call(this, request, reply);
    if (typeof body !== 'string' || reply.statusCode < 400) return body;
    // Answered before any plugin ran (no operation recorded): its codes for the log line.
    if (operationLog(request).length === 0) recordErrorCodes(request, errorCodesOf(body));
    return withRequestIds(body, request.id);
  } as unknown as H;
}
