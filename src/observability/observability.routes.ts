// Liveness (/healthz), readiness (/readyz), per-route HTTP metrics and the Prometheus /metrics route.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { GatewayError } from '../errors/error.catalogue';
import { graphqlErrorBody } from '../errors/error.wire';
import { readiness } from './health';
import { metricsAuthorized, type GatewayMetrics } from './metrics';

const MS_PER_SECOND = 1000;

/** Per-route HTTP metrics (by route pattern, never the raw URL), the liveness and the readiness probes. */
export function registerObservability(app: FastifyInstance, db: Database, metrics: GatewayMetrics): void {
  // While closing, a response that finishes an in-flight request also closes its keep-alive
  // connection; otherwise close() would wait for the idle connection's keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    // routeOptions.url is the pattern (`/v1/totps/authenticate`, `/v1/sessions/jwks/:project_id`); unmatched URLs share one label.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequest(request.method, route, reply.statusCode, reply.elapsedTime / MS_PER_SECOND);
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const state = await readiness(db);
    return reply.status(state.ready ? 200 : 503).send(state.ready ? { status: 'ready' } : { status: 'unavailable', reason: state.reason });
  });
}

/** GET /metrics (Prometheus text), behind METRICS_AUTH when set. */
export function registerMetricsRoute(app: FastifyInstance, metrics: GatewayMetrics, config: Config): void {
  app.get('/metrics', async (request, reply) => {
    if (config.metrics.auth && !metricsAuthorized(request.headers.authorization, config.metrics.auth)) {
      const refusal = new GatewayError('UNAUTHORIZED_CREDENTIALS', { message: 'Send the metrics credentials (METRICS_AUTH) as HTTP Basic auth.' });
      return reply.status(refusal.status).header('www-authenticate', 'Basic realm="metrics"').send(graphqlErrorBody(refusal, request.id));
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
