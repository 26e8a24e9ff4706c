// GET /console: the operator's console, a single page built from console/ that calls the gateway's own
// GraphQL API with the project secret the operator types in. Served only from the gateway's files.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONSOLE_ASSET_MAX_AGE_SECONDS, CONSOLE_PATH } from '../constants/console.constants';
import { GatewayError } from '../errors/error.catalogue';
import { graphqlErrorBody } from '../errors/error.wire';
import { recordErrorCodes } from '../http/request-log';
import type { ConsoleAsset, ConsoleAssets } from './console.assets';

/**
 * The page's Content-Security-Policy (W3C CSP Level 3): scripts, styles and requests only to the
 * gateway itself (the GraphQL endpoint is same-origin), no inline script or style, no frames, no
 * forms posting anywhere, no base URL.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: ConsoleAsset, cacheControl: string) {
  void reply.header('content-type', asset.contentType).header('cache-control', cacheControl).header('etag', asset.etag).header('x-content-type-options', 'nosniff');
  if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
  return reply.send(asset.body);
}

/** Answers CONSOLE_NOT_BUILT, as every other coded refusal is answered (src/errors/error.wire.ts). */
function notBuilt(request: FastifyRequest, reply: FastifyReply) {
  const refusal = new GatewayError('CONSOLE_NOT_BUILT');
  recordErrorCodes(request, [refusal.code]);
  return reply.status(refusal.status).send(graphqlErrorBody(refusal, request.id));
}

/**
 * Registers /console (a redirect to /console/, so the page's relative URLs resolve under it), the page
 * at /console/ with its CSP, no caching, no framing and no referrer, and its built files under
 * /console/ (immutable: Vite names them by content hash). `assets` null: every one of these answers
 * CONSOLE_NOT_BUILT (503) rather than failing the start.
 */
export function registerConsoleRoutes(app: FastifyInstance, assets: ConsoleAssets | null): void {
  if (!assets) app.log.warn('CONSOLE_ENABLED but the console is not built (npm run build): /console answers CONSOLE_NOT_BUILT');
  // Relative (RFC 9110 §10.2.2), so the redirect also works behind a proxy's path prefix.
  app.get(CONSOLE_PATH, (_request, reply) => reply.redirect(`${CONSOLE_PATH.slice(1)}/`, 308));
  app.get(`${CONSOLE_PATH}/`, (request, reply) => {
    if (!assets) return notBuilt(request, reply);
    void reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer');
    return sendAsset(request, reply, assets.page, 'no-store');
  });
  app.get<{ Params: { '*': string } }>(`${CONSOLE_PATH}/*`, (request, reply) => {
    if (!assets) return notBuilt(request, reply);
    const asset = assets.files.get(request.params['*']);
    if (!asset) return reply.callNotFound();
    return sendAsset(request, reply, asset, `public, max-age=${CONSOLE_ASSET_MAX_AGE_SECONDS}, immutable`);
  });
}
