// A span per GraphQL operation (https://opentelemetry.io/docs/specs/semconv/graphql/graphql-spans/):
// its type and name and, when it failed, the first error's code. Never the document, its arguments
// or variables, nor any result: those hold TOTP codes, secrets and tokens.
import { SpanKind } from '@opentelemetry/api';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../../graphql/context';
import { ATTR_GRAPHQL_OPERATION_NAME, ATTR_GRAPHQL_OPERATION_TYPE } from '../../constants/tracing.constants';
import { failSpan, type Tracing } from '../../tracing/tracing';
import { recordedOperationName } from './operation-name';

/** Span name until the operation is resolved (a document that does not parse or validate keeps it). */
const UNRESOLVED_OPERATION = 'graphql';
/** The code of an error without one (graphql-js's own). */
const UNCODED = 'GRAPHQL_ERROR';

/**
 * Starts the operation's span under the request's; while it runs, database statements hang under it.
 * The operations of a batch run concurrently and share one asynchronous flow, so their statements
 * hang under the request span instead (each operation still has its own span).
 * Uses only the hooks the fast path drives (src/api/fast-path.ts).
 */
export function operationTracingPlugin(tracing: Tracing): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ requestIsBatched }) {
      const scope = tracing.scope();
      if (!scope) return undefined;
      const span = tracing.startChild(scope, UNRESOLVED_OPERATION, SpanKind.INTERNAL, {});
      if (!requestIsBatched) scope.current = span;
      return {
        async didResolveOperation({ operation, operationName }) {
          const type = operation?.operation ?? 'query';
          const name = operationName ? recordedOperationName(operationName) : null;
          span.setAttribute(ATTR_GRAPHQL_OPERATION_TYPE, type);
          if (name) span.setAttribute(ATTR_GRAPHQL_OPERATION_NAME, name);
          span.updateName(name ? `${type} ${name}` : type);
        },
        async willSendResponse({ response, errors }) {
          const sent = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          const first = sent?.[0]?.extensions?.code ?? errors?.[0]?.extensions?.code;
          if (errors?.length || sent?.length) failSpan(span, typeof first === 'string' ? first : UNCODED);
          span.end();
          if (scope.current === span) scope.current = scope.request;
        },
      };
    },
  };
}
