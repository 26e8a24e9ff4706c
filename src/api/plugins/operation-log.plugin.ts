// Each GraphQL operation's name and error codes, for its request's "request completed" log line
// (src/http/request-log.ts). Names (cut to a bounded length) and codes only, never variables or argument values.
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../../graphql/context';
import { recordedOperationName } from './operation-name';

/** Apollo's name for an operation without one (also the metrics label). */
const ANONYMOUS = 'anonymous';

/** Appends `{operation, errorCodes}` to the request's operation log as each operation's answer is sent (each operation of a batch too). */
export const operationLogPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ operationName, response, contextValue }) {
        const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
        const errorCodes = errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
        contextValue.operations?.push({ operation: operationName ? recordedOperationName(operationName) : ANONYMOUS, errorCodes });
      },
    };
  },
};
