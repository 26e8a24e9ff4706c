// The one definition of how the gateway runs a GraphQL operation: schema, parse options, validation
// rules, error formatting and per-request plugins. Apollo Server (src/api/apollo.server.ts) and
// the fast path (src/api/fast-path.ts) are both built from the same object, so no setting can
// apply on one path and not the other.
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema, type ParseOptions, type ValidationRule } from 'graphql';
import type { Config } from '../config';
import { graphqlError, toGatewayError } from '../errors/error.wire';
import type { GatewayMetrics } from '../observability/metrics';
import { rateLimitPlugin } from '../ratelimit/rate-limit.plugin';
import type { RateLimitService } from '../ratelimit/rate-limit.service';
import type { GatewayContext } from '../graphql/context';
import { ErrorDisclosure } from '../graphql/error-disclosure';
import { operationLimits, tokenLimitError } from '../graphql/limits';
import { operationMetricsPlugin } from './plugins/operation-metrics.plugin';
import { requestIdPlugin } from './plugins/request-id.plugin';
import { credentialsRefusalPlugin } from './plugins/credentials-refusal.plugin';
import { operationLogPlugin } from './plugins/operation-log.plugin';
import { gatewaySchema } from '../schema';
import type { Tracing } from '../tracing/tracing';
import { operationTracingPlugin } from './plugins/tracing.plugin';

/** What both GraphQL paths run an operation with (Apollo Server's option names). */
export interface GraphqlSettings {
  readonly schema: GraphQLSchema;
  /** When false, __schema and __type are refused (graphql-js's NoSchemaIntrospectionCustomRule) and messages hide schema names. */
  readonly introspection: boolean;
  /** graphql-js parse options (the token limit). */
  readonly parseOptions: ParseOptions;
  /** Rules run after graphql-js's specified rules (aliases, depth, directives, cost, root fields). */
  readonly validationRules: readonly ValidationRule[];
  /** Every error of a response, through the one error policy (src/errors/error.wire.ts). */
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Per-request plugins, in order: the operation's span (when tracing), request ids and logging, the request log line's operations, metrics, operation limits, the rate limit, the refusal of wrong credentials. */
  readonly plugins: readonly ApolloServerPlugin<GatewayContext>[];
}

/** The settings for one gateway; `rateLimits` is given only when a rate limit is on, `tracing` only when tracing is. */
export function graphqlSettings(config: Config, metrics: GatewayMetrics, rateLimits?: RateLimitService, tracing?: Tracing): GraphqlSettings {
  // Aliases, depth, directives, cost and root fields as validation rules; tokens while parsing.
  const limits = operationLimits(config.operationLimits);
  const schema = gatewaySchema();
  const disclosure = new ErrorDisclosure(schema, config.graphql.introspection);
  return {
    schema,
    introspection: config.graphql.introspection,
    parseOptions: limits.parseOptions,
    validationRules: limits.validationRules,
    formatError: (formatted, error) => formatError(formatted, error, config.operationLimits, disclosure),
    plugins: [...(tracing ? [operationTracingPlugin(tracing)] : []), requestIdPlugin, operationLogPlugin, operationMetricsPlugin(metrics), ...limits.plugins, ...(rateLimits ? [rateLimitPlugin(rateLimits)] : []), credentialsRefusalPlugin],
  };
}

/**
 * Apollo's formatError: the error policy with graphql-js and Apollo messages naming no schema
 * element the caller may not see (src/graphql/error-disclosure.ts), and a token-limit parse failure
 * answered as TOO_MANY_TOKENS.
 */
function formatError(formatted: GraphQLFormattedError, error: unknown, limits: Config['operationLimits'], disclosure: ErrorDisclosure): GraphQLFormattedError {
  const tooLong = formatted.extensions?.code === 'GRAPHQL_PARSE_FAILED' ? tokenLimitError(error, limits) : undefined;
  const failure = toGatewayError(tooLong ?? error, { clientMessage: (message) => disclosure.message(message, sentDocument(error)) });
  return graphqlError(failure, undefined, formatted);
}

/** The document text a graphql-js error was reported against ('' when it has none). */
function sentDocument(error: unknown): string {
  for (let e: unknown = error; e instanceof GraphQLError; e = e.originalError) {
    if (e.source) return e.source.body;
  }
  return '';
}
