// The server span of each HTTP request (OpenTelemetry HTTP semantic conventions:
// https://opentelemetry.io/docs/specs/semconv/http/http-spans/): method, route template and status,
// plus the request id. Deliberately not recorded: the URL path and query (a GET /graphql carries the
// document and its variables there), headers (Authorization, cookies, the public token), the body,
// and the client's address.
import { ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { failSpan, type TraceScope, type Tracing } from '../tracing/tracing';

/** Status codes from which a server span is an error (the HTTP semantic conventions: 5xx only for a server). */
const SERVER_ERROR_STATUS = 500;

/**
 * Installs the request span on `app`: started in the first onRequest hook (so the caller lookups of
 * later hooks are inside it), made current around every route handler registered after this call,
 * ended on the response or when the client goes away. Call right after the app is created.
 */
export function registerRequestTracing(app: FastifyInstance, tracing: Tracing): void {
  const scopes = new WeakMap<FastifyRequest, TraceScope>();
  app.addHook('onRequest', (request, _reply, done) => {
    const scope = tracing.startRequest(request.id, request.method, request.headers);
    scopes.set(request, scope);
    // The later onRequest hooks run from done() below, so they see this scope.
    tracing.enter(scope);
    done();
  });
  app.addHook('onRoute', (route) => {
    const handler = route.handler as (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown;
    route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const scope = scopes.get(request);
      return scope ? tracing.run(scope, () => handler.call(this, request, reply)) : handler.call(this, request, reply);
    } as RouteHandlerMethod;
  });
  const end = (request: FastifyRequest, status: number | undefined) => {
    const scope = scopes.get(request);
    if (!scope) return;
    scopes.delete(request);
    const route = request.routeOptions.url;
    const span = scope.request;
    if (route) {
      span.setAttribute(ATTR_HTTP_ROUTE, route);
      span.updateName(`${request.method} ${route}`);
    }
    if (status === undefined) failSpan(span, 'aborted');
    else {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= SERVER_ERROR_STATUS) failSpan(span, String(status));
    }
    span.end();
  };
  app.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    end(request, undefined);
    done();
  });
}
