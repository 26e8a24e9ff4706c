// GET /graphql/explorer/<name>: the offline explorer's files, and the security headers of its page.
import type { FastifyInstance } from 'fastify';
import { EXPLORER_ASSET_MAX_AGE_SECONDS, EXPLORER_ASSET_PATH } from '../constants/explorer.constants';
import type { ExplorerAssets } from './explorer.assets';
import { EXPLORER_CSP } from './explorer.page';

/**
 * Serves `assets` by their hashed names (immutable for a year, with a strong ETag; RFC 9111, RFC
 * 8246), 404 for any other name; and gives the explorer page at `pagePath` (Apollo answers it as
 * text/html) its Content-Security-Policy, no caching, no framing and no referrer.
 */
export function registerExplorerRoutes(app: FastifyInstance, assets: ExplorerAssets, pagePath: string): void {
  app.get<{ Params: { name: string } }>(`${EXPLORER_ASSET_PATH}/:name`, async (request, reply) => {
    const asset = assets.byName.get(request.params.name);
    if (!asset) return reply.callNotFound();
    void reply
      .header('content-type', asset.contentType)
      .header('cache-control', `public, max-age=${EXPLORER_ASSET_MAX_AGE_SECONDS}, immutable`)
      .header('etag', asset.etag)
      .header('x-content-type-options', 'nosniff');
    if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
    return reply.send(asset.body);
  });
  app.addHook('onSend', async (request, reply) => {
    if (request.routeOptions.url !== pagePath || !/^text\/html/.test(String(reply.getHeader('content-type') ?? ''))) return;
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', EXPLORER_CSP)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer');
  });
}
