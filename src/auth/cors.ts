// CORS for /graphql (Fetch standard §3.2): only origins a project allows (`project origins add`) are
// answered, and never with credentials — a browser authenticates with the public token and a
// session in headers, not cookies, so `Access-Control-Allow-Credentials` stays off.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ProjectService } from '../projects/project.service';
import { parseOrigin } from '../projects/origin';

/** How long a browser may cache a preflight answer (seconds); short, so a removed origin ends soon. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;
const ALLOWED_METHODS = 'GET, POST';
const ALLOWED_HEADERS = 'content-type, authorization, x-public-token, x-request-id, apollo-require-preflight, x-apollo-operation-name';
const ALLOW = 'GET, POST, OPTIONS';
/** What a page may read besides the CORS-safelisted headers: the id to quote, and when to retry. */
const EXPOSED_HEADERS = 'x-request-id, retry-after';

/** Lets the page at `origin` read this response (the caller's project allows that origin). */
export function allowOrigin(reply: FastifyReply, origin: string): void {
  void reply.header('access-control-allow-origin', origin).header('access-control-expose-headers', EXPOSED_HEADERS);
}

export function registerCors(app: FastifyInstance, path: string, projects: ProjectService): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== path) return;
    // Answers differ by Origin, so shared caches must key on it (Fetch standard §3.2.5 "CORS protocol and HTTP caches").
    void reply.header('vary', 'Origin');
    if (request.method !== 'OPTIONS') return;
    // An OPTIONS that is no preflight asks what the resource allows (RFC 9110 §9.3.7).
    if (request.headers.origin === undefined || request.headers['access-control-request-method'] === undefined) {
      return reply.status(204).header('allow', ALLOW).send();
    }
    // A preflight carries no token (only header names), so it is answered for any project's origin;
    // the request itself is then held to its own project's list (src/auth/caller.ts).
    const origin = parseOrigin(request.headers.origin);
    if (origin && (await projects.originAllowed(origin))) {
      void reply
        .header('access-control-allow-origin', origin)
        .header('access-control-allow-methods', ALLOWED_METHODS)
        .header('access-control-allow-headers', ALLOWED_HEADERS)
        .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS));
    }
    return reply.status(204).send();
  });
}
