// The Stytch-compatible REST facade (POST /v1/users, /v1/totps/authenticate, ...). Thin adapters:
// each route maps snake_case to the GraphQL input types (strings checked by `str`, profile fields by the same
// class-validator rules) and calls the same service method a resolver calls; no rule is written twice.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services';
import type { AuthenticatedProject } from '../projects/project.service';
import { GatewayError, TooManyRequestsError, UnauthorizedCredentialsError } from '../errors/error.catalogue';
import { httpLayerError, restErrorBody } from '../errors/error.wire';
import { invalidArgument, REST_SCHEMAS } from './rest.schemas';
import { isId } from '../common/ids';
import { missingParentError } from '../errors/missing-parent';
import { retryAfterSeconds } from '../db/database.errors';
import type { RateLimitService } from '../ratelimit/rate-limit.service';
import { validateInput } from '../graphql/validation';
import { CreateUserInput, UserNameInput } from '../users/user.inputs';
import { AuthenticateTotpInput, CreateTotpInput, RecoverTotpInput } from '../totp/totp.inputs';
import { AuthenticateSessionInput, RevokeSessionInput } from '../sessions/session.inputs';
import { authenticateView, recoveryCodesView, sessionView, userView } from './rest.views';

type Body = Record<string, unknown>;
type Handler = (ctx: {
  project: AuthenticatedProject;
  body: Body;
  params: Record<string, string>;
  query: Record<string, string>;
  requestId: string;
  receivedAtMs: number;
}) => Promise<Body>;

/** Rate-limit units of one REST call: it runs one service method, as one GraphQL root field does. */
const REST_ROUTE_UNITS = 1;
/** A string field of a JSON body; anything else (number, object, array) is refused as bad input (the route schemas refuse it first). */
function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new GatewayError('BAD_USER_INPUT', { message: 'String fields must be JSON strings.' });
  return v;
}

/** Builds a typed input from snake_case fields and validates it exactly as GraphQL would. */
async function input<T extends object>(target: T, fields: Partial<T>): Promise<T> {
  const value = Object.assign(target, Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
  await validateInput(value);
  return value;
}

const sessionFields = (b: Body) => ({
  sessionToken: str(b.session_token) || undefined,
  sessionJwt: str(b.session_jwt) || undefined,
  sessionDurationMinutes: b.session_duration_minutes as number | undefined,
  sessionCustomClaims: b.session_custom_claims as Record<string, unknown> | undefined,
});

/**
 * Stytch's error body for any failure: catalogue errors as they are, a schema mismatch as
 * `invalid_argument`, Fastify's other refusals by their catalogue code, anything else logged and masked.
 */
function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply, log: (error: unknown) => void) {
  const { validation, validationContext } = (error ?? {}) as Partial<FastifyError>;
  const failure = validation ? invalidArgument(validation, validationContext ?? 'body') : (missingParentError(error) ?? httpLayerError(error));
  if (!failure) log(error);
  const answer = failure ?? new GatewayError('INTERNAL_SERVER_ERROR');
  if (answer.status >= 500 && answer.code !== 'INTERNAL_SERVER_ERROR') {
    // A coded server-side failure (the database busy or unavailable): retryable, its cause logged.
    log(answer.cause ?? answer);
    const seconds = retryAfterSeconds(answer);
    if (seconds !== undefined) void reply.header('retry-after', String(seconds));
  }
  return reply.status(answer.status).send(restErrorBody(answer, request.id));
}

/**
 * Registers the facade under /v1 as an encapsulated plugin, so its error and not-found answers are
 * Stytch's `{status_code, request_id, error_type, error_message, error_url}` and GraphQL's stay apart.
 */
export function registerRestRoutes(
  app: FastifyInstance,
  services: Services,
  logUnexpected: (log: FastifyRequest['log'], requestId: string, error: unknown) => void,
  rateLimits?: RateLimitService,
): void {
  void app.register(
    async (scope) => {
      scope.setErrorHandler((error, request, reply) => sendError(error, request, reply, (e) => logUnexpected(request.log, request.id, e)));
      scope.setNotFoundHandler((request, reply) =>
        reply.status(404).send(restErrorBody(new GatewayError('ROUTE_NOT_FOUND', { message: `No route ${request.method} ${request.url.split('?')[0]}.` }), request.id)),
      );
      routes(scope, services, rateLimits);
    },
    { prefix: '/v1' },
  );
}

function routes(app: FastifyInstance, services: Services, rateLimits?: RateLimitService): void {
  const { users, totps, sessions, projects, signingKeys } = services;

  // Public, like Stytch's: an unknown project simply has no keys. A bare RFC 7517 JWK Set (the
  // contract's `{"keys": [...]}`); the request id travels in the x-request-id header.
  app.get<{ Params: { project_id: string } }>('/sessions/jwks/:project_id', async (request, reply) => {
    const { project_id: projectId } = request.params;
    const keys = isId('project', projectId) ? await signingKeys.publicKeys(projectId) : [];
    void reply.header('cache-control', 'public, max-age=60');
    return { keys };
  });

  const route = (method: 'GET' | 'POST' | 'DELETE', url: string, handler: Handler) => {
    // Every route declares its fields' JSON types (src/rest/rest.schemas.ts); a route without is a bug.
    const schema = REST_SCHEMAS[`${method} ${url}`];
    if (!schema) throw new TypeError(`REST route ${method} ${url} has no schema in rest.schemas.ts`);
    return app.route({
      method,
      url,
      schema,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const project = await projects.authenticateBasic(request.headers.authorization);
        if (!project) throw new UnauthorizedCredentialsError();
        if (rateLimits) {
          // The backend's per-project budget, as for GraphQL: each route runs one operation, one unit (src/ratelimit).
          const { allowed, retryAfterSeconds } = await rateLimits.consume({ projectId: project.projectId, clientIp: request.ip }, REST_ROUTE_UNITS);
          if (!allowed) {
            void reply.header('retry-after', String(retryAfterSeconds));
            throw new TooManyRequestsError({ details: { retryAfterSeconds } });
          }
        }
        const body = request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Body) : {};
        const result = await handler({
          project,
          body,
          params: request.params as Record<string, string>,
          query: request.query as Record<string, string>,
          requestId: request.id,
          receivedAtMs: request.receivedAtMs,
        });
        return reply.status(200).send({ status_code: 200, request_id: request.id, ...result });
      },
    });
  };

  route('POST', '/users', async ({ project, body }) => {
    const name = body.name as Body | undefined;
    const user = await users.create(
      project.projectId,
      await input(new CreateUserInput(), {
        email: str(body.email),
        phoneNumber: str(body.phone_number),
        name: name ? Object.assign(new UserNameInput(), { firstName: str(name.first_name), middleName: str(name.middle_name), lastName: str(name.last_name) }) : undefined,
        externalId: str(body.external_id),
        trustedMetadata: body.trusted_metadata as Record<string, unknown> | undefined,
        untrustedMetadata: body.untrusted_metadata as Record<string, unknown> | undefined,
      }),
    );
    const view = userView(user);
    return { user_id: user.userId, user: view, email_id: view.emails[0]?.email_id ?? '', phone_id: view.phone_numbers[0]?.phone_id ?? '', status: user.status };
  });

  route('GET', '/users/:user_id', async ({ project, params }) => userView(await users.get(project.projectId, params.user_id)));

  // Not in Stytch's API: the gateway's unlockUser (project secret only, as every /v1 route).
  route('POST', '/users/:user_id/unlock', async ({ project, params, requestId }) => {
    const user = await users.unlock(project.projectId, params.user_id, requestId);
    return { user_id: user.userId, user: userView(user) };
  });

  route('DELETE', '/users/:user_id', async ({ project, params }) => ({ user_id: await users.delete(project.projectId, params.user_id) }));

  route('POST', '/totps', async ({ project, body }) => {
    const created = await totps.create(project, await input(new CreateTotpInput(), { userId: str(body.user_id)!, expirationMinutes: body.expiration_minutes as number | undefined }));
    return { totp_id: created.totpId, secret: created.secret, qr_code: created.qrCode, recovery_codes: created.recoveryCodes, user_id: created.userId, user: userView(created.user) };
  });

  route('POST', '/totps/authenticate', async ({ project, body, requestId, receivedAtMs }) =>
    authenticateView(
      await totps.authenticate(
        project.projectId,
        await input(new AuthenticateTotpInput(), { userId: str(body.user_id)!, totpCode: String(body.totp_code ?? ''), ...sessionFields(body) }),
        { requestId, receivedAtMs },
      ),
    ),
  );

  route('POST', '/totps/recovery_codes', async ({ project, body }) =>
    recoveryCodesView(str(body.user_id)!, await totps.recoveryCodes(project.projectId, body.user_id)),
  );

  route('POST', '/totps/recover', async ({ project, body, requestId }) =>
    authenticateView(
      await totps.recover(project.projectId, await input(new RecoverTotpInput(), { userId: str(body.user_id)!, recoveryCode: String(body.recovery_code ?? ''), ...sessionFields(body) }), { requestId }),
    ),
  );

  route('DELETE', '/users/totps/:totp_id', async ({ project, params }) => {
    const { userId } = await totps.delete(project.projectId, params.totp_id);
    return { user_id: userId, user: userView(await users.get(project.projectId, userId)) };
  });

  route('POST', '/sessions/authenticate', async ({ project, body }) => {
    const result = await sessions.authenticate(project.projectId, await input(new AuthenticateSessionInput(), sessionFields(body)));
    return { session: sessionView(result.session), session_token: result.sessionToken ?? '', session_jwt: result.sessionJwt, user: userView(result.user) };
  });

  route('POST', '/sessions/revoke', async ({ project, body, requestId }) => {
    await sessions.revoke(
      project.projectId,
      await input(new RevokeSessionInput(), { sessionId: str(body.session_id), sessionToken: str(body.session_token), sessionJwt: str(body.session_jwt) }),
      requestId,
    );
    return {};
  });

  route('GET', '/sessions', async ({ project, query }) => ({ sessions: (await sessions.list(project.projectId, query.user_id)).map(sessionView) }));
}
