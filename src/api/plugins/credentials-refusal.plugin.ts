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

/** What requestDidStart answers for a caller it does not refuse (nearly every request): no hooks, one settled promise shared by all. */
const NO_HOOKS: Promise<void> = Promise.resolve();

/**
 * Refuses every operation of a caller whose credentials are wrong (caller.policy.ts `refusesEveryOperation`).
 * A caller it does not refuse costs one flag test: no async call, no listener, so the fast path
 * (src/api/fast-path.ts) drives no hook of this plugin for it.
 */
export const credentialsRefusalPlugin: ApolloServerPlugin<GatewayContext> = {
  requestDidStart({ contextValue }) {
    if (!refusesEveryOperation(contextValue)) return NO_HOOKS;
    return Promise.resolve({
      async didResolveOperation() {
        throw unauthorized(contextValue.refusal);
      },
    });
  },
};
