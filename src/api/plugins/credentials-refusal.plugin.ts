// A request whose credentials were sent and are wrong (a wrong secret, an unknown project, a public
// token without a live session) runs no operation, `__typename` and introspection included: HTTP 401
// UNAUTHORIZED_CREDENTIALS and nothing executed (RFC 7235 §3.1). Root fields refuse such a caller on
// their own (@auth); this refuses the operations that select none. A request without credentials is
// anonymous and is left to its fields (Apollo Sandbox's introspection in development).
// Apollo and the GraphQL fast path both run it (one of the shared settings, src/api/graphql.settings.ts),
// after the rate limit, which does not count such requests.
import type { ApolloServerPlugin } from '@apollo/server';
import { refusesEveryOperation } from '../../graphql/caller.policy';
import { unauthorized, type GatewayContext } from '../../graphql/context';

/** Refuses every operation of a caller whose credentials are wrong (caller.policy.ts `refusesEveryOperation`). */
export const credentialsRefusalPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart({ contextValue }) {
    if (!refusesEveryOperation(contextValue)) return;
    return {
      async didResolveOperation() {
        throw unauthorized(contextValue.refusal);
      },
    };
  },
};
