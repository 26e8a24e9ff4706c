// What every /v1 route shares: the route() wrapper (its JSON schema, project credentials, the rate
// limit, Stytch's success body), snake_case field helpers and the error answer, which is the one
// error policy (src/errors/error.wire.ts) in Stytch's wire form.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { AuthenticatedProject } from '../projects/project.service';
import { GatewayError, TooManyRequestsError, UnauthorizedCredentialsError } from '../errors/error.catalogue';
import { httpAnswer, logFailure, restErrorBody, toGatewayError } from '../errors/error.wire';
import { validateInput } from '../graphql/validation';
import { recordErrorCodes } from '../http/request-log';
import type { RateLimitService } from '../ratelimit/rate-limit.service';
import type { Services } from '../services';
import { inRestSpelling } from './rest.fields';
import { isId } from '../common/ids';
import { invalidArgument, REST_SCHEMAS } from './rest.schemas';
import { operationSchema } from './rest.operations';

/** A JSON object body (or the object a route answers with, besides status_code and request_id). */
export type RestBody = Record<string, unknown>;

/** What a route handler is given: the authenticated project and the request's parts. */
interface RestCall {
  readonly project: AuthenticatedProject;
  readonly body: RestBody;
  readonly params: Record<string, string>;
  readonly query: Record<string, string>;
  readonly requestId: string;
  /** When the request arrived (ms since the epoch), for TOTP time steps. */
  readonly receivedAtMs: number;
  /** The request's User-Agent header, when it sent one (a remembered device records it). */
  readonly userAgent: string | undefined;
}

export type RestHandler = (call: RestCall) => Promise<RestBody>;

/** The /v1 scope routes are registered on, and what they run with. */
export interface RestScope {
  readonly app: FastifyInstance;
  readonly services: Services;
  /** Given only when a rate limit is on. */
  readonly rateLimits?: RateLimitService;
}

/** Rate-limit units of one REST call: it runs one service method, as one GraphQL root field does. */
const REST_ROUTE_UNITS = 1;
const OK_STATUS = 200;

/**
 * The whole Fastify schema of a /v1 route: its request schemas (rest.schemas.ts) and its
 * documentation and responses (rest.operations.ts). Throws a TypeError at registration when either
 * is missing: a route without them is a bug (undocumented in /v1/openapi.json, or unchecked input).
 */
export function routeSchema(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string): FastifySchema {
  const key = `${method} ${url}`;
  const request = REST_SCHEMAS[key];
  if (!request) throw new TypeError(`REST route ${key} has no schema in rest.schemas.ts`);
  const documentation = operationSchema(key);
  if (!documentation) throw new TypeError(`REST route ${key} has no operation (summary, responses) in rest.operations.ts`);
  return { ...request, ...documentation };
}

/**
 * Registers a route that answers only callers with project credentials (HTTP Basic), charges the
 * backend's per-project budget as for GraphQL, and answers `{status_code: 200, request_id, ...}`.
 * Every route declares its fields' JSON types and its answers (routeSchema); a route without is a bug.
 */
export function route({ app, services, rateLimits }: RestScope, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, handler: RestHandler): void {
  const schema = routeSchema(method, url);
  const named = { body: declaresUserId(schema.body), params: declaresUserId(schema.params), query: declaresUserId(schema.querystring) };
  app.route({
    method,
    url,
    schema,
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const project = await services.projects.authenticateBasic(request.headers.authorization);
      if (!project) throw new UnauthorizedCredentialsError();
      if (rateLimits) {
        const { allowed, retryAfterSeconds } = await rateLimits.consume({ projectId: project.projectId, clientIp: request.ip }, REST_ROUTE_UNITS);
        if (!allowed) throw new TooManyRequestsError({ details: { retryAfterSeconds } });
      }
      const body = request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as RestBody) : {};
      const params = request.params as Record<string, string>;
      const query = request.query as Record<string, string>;
      const result = await handler({
        project,
        body: named.body ? await withUserId(services, project.projectId, body) : body,
        params: named.params ? await withUserId(services, project.projectId, params) : params,
        query: named.query ? await withUserId(services, project.projectId, query) : query,
        requestId: request.id,
        receivedAtMs: request.receivedAtMs,
        userAgent: request.headers['user-agent'],
      });
      return reply.status(OK_STATUS).send({ status_code: OK_STATUS, request_id: request.id, ...result });
    },
  });
}

/**
 * Whether a part's schema (rest.schemas.ts) declares `user_id`: only there does the route read one. A
 * `user_id` anywhere else is an unknown field, ignored as every unknown field is (no lookup, no
 * USER_NOT_FOUND for a search or a create that happens to carry one).
 */
function declaresUserId(partSchema: unknown): boolean {
  const properties = (partSchema as { properties?: object } | undefined)?.properties;
  return properties !== undefined && Object.hasOwn(properties, 'user_id');
}

/**
 * `user_id` (path, query or body, where the route declares it) may be a user id or the external id of one of the project's users,
 * as in Stytch's API: resolved by the same UserService.resolveUserId the GraphQL fields use
 * (src/users/user-ref.transform.ts). A user id, and a part without `user_id`, is returned as it is.
 */
async function withUserId<T extends Record<string, unknown>>(services: Services, projectId: string, part: T): Promise<T> {
  const ref = part?.user_id;
  if (ref == null || isId('user', ref)) return part;
  return { ...part, user_id: await services.users.resolveUserId(projectId, ref) };
}

/**
 * Stytch's error body for any failure, by the one error policy; a schema mismatch is
 * `invalid_argument` naming the field. Messages name fields as the REST caller spells them
 * (rest.fields.ts), whichever layer raised them.
 */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const { validation, validationContext } = (error ?? {}) as Partial<FastifyError>;
  const failure = inRestSpelling(toGatewayError(validation ? invalidArgument(validation, validationContext ?? 'body') : error));
  logFailure(request.log, request.id, failure);
  recordErrorCodes(request, [failure.code]);
  const { status, headers } = httpAnswer(failure);
  return reply.status(status).headers(headers).send(restErrorBody(failure, request.id));
}

/** A string field of a JSON body; anything else (number, object, array) is refused as bad input (the route schemas refuse it first). */
export function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new GatewayError('BAD_USER_INPUT', { message: 'String fields must be JSON strings.' });
  return v;
}

/** Builds a typed input from snake_case fields and validates it exactly as GraphQL would. */
export async function input<T extends object>(target: T, fields: Partial<T>): Promise<T> {
  const value = Object.assign(target, Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
  await validateInput(value);
  return value;
}

/** The session fields TOTP and session routes share, snake_case to the GraphQL inputs' names. */
export const sessionFields = (b: RestBody) => ({
  sessionToken: str(b.session_token) || undefined,
  sessionJwt: str(b.session_jwt) || undefined,
  sessionDurationMinutes: b.session_duration_minutes as number | undefined,
  sessionCustomClaims: b.session_custom_claims as Record<string, unknown> | undefined,
});
