// One count and latency per GraphQL operation, by operation name and caller kind (Prometheus
// metrics, src/observability/metrics.ts).
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayMetrics } from '../../observability/metrics';
import type { GatewayContext } from '../../graphql/context';

const NANOSECONDS_PER_SECOND = 1e9;

/** One count and latency per GraphQL operation (each operation of a batch is its own request here). */
export function operationMetricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, response, errors, contextValue }) {
          const failed = Boolean(errors?.length) || (response.body.kind === 'single' && Boolean(response.body.singleResult.errors?.length));
          metrics.graphqlOperation(operationName, contextValue.project !== null, !failed, Number(process.hrtime.bigint() - started) / NANOSECONDS_PER_SECOND);
        },
      };
    },
  };
}
