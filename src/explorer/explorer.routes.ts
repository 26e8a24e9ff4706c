// GET /graphql/explorer/<name>: the offline explorer's files, and the security headers of its page.
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { EXPLORER_ASSET_MAX_AGE_SECONDS, EXPLORER_ASSET_PATH } from '../constants/explorer.constants';
import type { ExplorerAssets } from './explorer.assets';
import { EXPLORER_CSP } from './explorer.page';

/** Whether Accept-Encoding allows gzip (RFC 9110 §12.5.3; a `;q=0` refuses it). */
const acceptsGzip = (header: string | undefined) => /(^|,)\s*(gzip|\*)\s*(,|$|;(?!\s*q=0(\.0*)?\s*(,|$)))/i.test(header ?? '');

/**
 * Serves `assets` by their hashed names (immutable for a year, with a strong ETag per encoding; RFC
 * 9111, RFC 8246), gzipped when the browser accepts it (compressed once, on first use), 404 for any
 * other name; and gives the explorer page at `pagePath` (Apollo answers it as
 * text/html) its Content-Security-Policy, no caching, no framing and no referrer.
 */
export function registerExplorerRoutes(app: FastifyInstance, assets: ExplorerAssets, pagePath: string): void {
  const gzipped = new Map<string, Buffer>();
  app.get<{ Params: { name: string } }>(`${EXPLORER_ASSET_PATH}/:name`, async (request, reply) => {
    const asset = assets.byName.get(request.params.name);
    if (!asset) return reply.callNotFound();
    const gzip = acceptsGzip(request.headers['accept-encoding']);
    const etag = gzip ? `${asset.etag.slice(0, -1)}-gzip"` : asset.etag;
    void reply
      .header('content-type', asset.contentType)
      .header('cache-control', `public, max-age=${EXPLORER_ASSET_MAX_AGE_SECONDS}, immutable`)
      .header('etag', etag)
      .header('vary', 'accept-encoding')
      .header('x-content-type-options', 'nosniff');
    if (request.headers['if-none-match'] === etag) return reply.status(304).send();
    if (!gzip) return reply.send(asset.body);
    if (!gzipped.has(asset.name)) gzipped.set(asset.name, gzipSync(asset.body));
    return reply.header('content-encoding', 'gzip').send(gzipped.get(asset.name));
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
