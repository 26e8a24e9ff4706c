// /v1/sessions: the public JWKS, authenticate, revoke and list sessions.
import { isId } from '../common/ids';
import { AuthenticateSessionInput, RevokeSessionInput } from '../sessions/session.inputs';
import { input, route, routeSchema, sessionFields, str, type RestScope } from './rest.route';
import { sessionView, userView } from './rest.views';

/** How long a client may cache the JWKS (seconds); rotation publishes the next key ahead of use. */
const JWKS_MAX_AGE_SECONDS = 60;

/** Registers the session routes on the /v1 scope. */
export function sessionRoutes(scope: RestScope): void {
  const { app } = scope;
  const { sessions, signingKeys } = scope.services;

  // Public, like Stytch's: an unknown project simply has no keys. A bare RFC 7517 JWK Set (the
  // contract's `{"keys": [...]}`); the request id travels in the x-request-id header.
  app.get<{ Params: { project_id: string } }>('/sessions/jwks/:project_id', { schema: routeSchema('GET', '/sessions/jwks/:project_id') }, async (request, reply) => {
    const { project_id: projectId } = request.params;
    const keys = isId('project', projectId) ? await signingKeys.publicKeys(projectId) : [];
    void reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
    return { keys };
  });

  route(scope, 'POST', '/sessions/authenticate', async ({ project, body }) => {
    const result = await sessions.authenticate(
      project,
      await input(new AuthenticateSessionInput(), {
        ...sessionFields(body),
        requireAssurance: str(body.require_assurance) as AuthenticateSessionInput['requireAssurance'],
        maxFactorAgeSeconds: body.max_factor_age_seconds as number | undefined,
      }),
    );
    return { session: sessionView(result.session), session_token: result.sessionToken ?? '', session_jwt: result.sessionJwt, user: userView(result.user) };
  });

  route(scope, 'POST', '/sessions/revoke', async ({ project, body, requestId }) => {
    await sessions.revoke(
      project.projectId,
      await input(new RevokeSessionInput(), { sessionId: str(body.session_id), sessionToken: str(body.session_token), sessionJwt: str(body.session_jwt) }),
      requestId,
    );
    return {};
  });

  route(scope, 'GET', '/sessions', async ({ project, query }) => ({ sessions: (await sessions.list(project.projectId, query.user_id)).map(sessionView) }));
}
