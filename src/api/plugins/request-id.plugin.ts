// Every GraphQL error leaves with the request id (also the x-request-id header), so a caller can
// quote it; the gateway's own failures are logged by the error policy (src/errors/error.wire.ts);
// a response that failed only because the database was busy or unavailable is a 503 with Retry-After.
import type { ApolloServerPlugin } from '@apollo/server';
import { applyRetryAfter, logFailure, toGatewayError } from '../../errors/error.wire';
import type { GatewayContext } from '../../graphql/context';

/** Adds the request id to every error and logs the unexpected ones (masked for the client). */
export const requestIdPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue }) {
        for (const error of errors) logFailure(contextValue.log, contextValue.requestId, toGatewayError(error));
      },
      async willSendResponse({ response, contextValue, requestIsBatched }) {
        if (response.body.kind === 'single') {
          for (const error of response.body.singleResult.errors ?? []) {
            (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
          }
          // A batch shares one HTTP status: one operation's fault must not mark the others' answers as failed.
          if (!requestIsBatched) applyRetryAfter(response.body.singleResult, response.http);
        }
      },
    };
  },
};
