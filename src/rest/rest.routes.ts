// The Stytch-compatible REST facade (POST /v1/users, /v1/totps/authenticate, ...). Thin adapters,
// one file per feature (users.routes.ts, totps.routes.ts, sessions.routes.ts): each route maps
// snake_case to the GraphQL input types (strings checked by `str`, profile fields by the same
// class-validator rules) and calls the same service method a resolver calls; no rule is written twice.
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors/error.catalogue';
import { restErrorBody } from '../errors/error.wire';
import type { RateLimitService } from '../ratelimit/rate-limit.service';
import type { Services } from '../services';
import { registerOpenApi } from './rest.openapi';
import { sendError } from './rest.route';
import { sessionRoutes } from './sessions.routes';
import { totpRoutes } from './totps.routes';
import { totpImportRoutes } from './totp-import.routes';
import { userRoutes } from './users.routes';
import { rememberedDeviceRoutes } from './remembered-devices.routes';

/**
 * Registers the facade under /v1 as an encapsulated plugin, so its error and not-found answers are
 * Stytch's `{status_code, request_id, error_type, error_message, error_url}` and GraphQL's stay apart,
 * with its OpenAPI 3.1 document at GET /v1/openapi.json (rest.openapi.ts).
 */
export function registerRestRoutes(app: FastifyInstance, services: Services, rateLimits?: RateLimitService): void {
  void app.register(
    async (scope) => {
      // First: the document collects the routes registered after it.
      await registerOpenApi(scope);
      scope.setErrorHandler((error, request, reply) => sendError(error, request, reply));
      scope.setNotFoundHandler((request, reply) => {
        const missing = new GatewayError('ROUTE_NOT_FOUND', { message: `No route ${request.method} ${request.url.split('?')[0]}.` });
        return reply.status(missing.status).send(restErrorBody(missing, request.id));
      });
      const routes = { app: scope, services, rateLimits };
      userRoutes(routes);
      totpRoutes(routes);
      totpImportRoutes(routes);
      sessionRoutes(routes);
      rememberedDeviceRoutes(routes);
    },
    { prefix: '/v1' },
  );
}
