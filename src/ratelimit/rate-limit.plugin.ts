// Applies the rate limits to every GraphQL operation, each operation of a batch on its own. It runs
// once the operation is parsed and validated and before it executes, and charges one unit per root
// field that will execute (each alias on its own, through fragments, after @skip/@include), so 50
// aliased mutations cost 50. An operation that does not fit the caller's remaining budget is refused
// whole with TOO_MANY_REQUESTS and spends nothing: a partial run would leave the client unsure which
// fields ran. Requests without valid credentials are not counted (@auth refuses them anyway).
// Apollo and the GraphQL fast path (src/api/fast-path.ts) both run it: it is one of the shared
// GraphQL settings (src/api/graphql.settings.ts).
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { TooManyRequestsError } from '../errors/error.catalogue';
import { httpAnswer } from '../errors/error.wire';
import type { GatewayContext } from '../graphql/context';
import type { RateLimitService } from './rate-limit.service';
import { MIN_UNITS, rootFieldUnits } from './rate-limit.rules';

/** Charges each resolved operation's units to its caller's budgets; refuses it (429) when they lack room. */
export function rateLimitPlugin(limiter: RateLimitService): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const project = contextValue.project;
      if (!project) return;
      const { clientIp, peerIp } = contextValue;
      const caller = { projectId: project.projectId, sessionId: contextValue.session?.sessionId ?? null, clientIp, peerIp };
      // A caller no budget applies to costs no work per operation (e.g. project-secret callers with only session limits on).
      if (!limiter.limits(caller)) return;
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          // Apollo resolves an operation before this hook; without one nothing executes but it still costs a unit.
          const units = operation ? rootFieldUnits(schema, document, operation, request.variables ?? {}) : MIN_UNITS;
          const { allowed, neverFits, retryAfterSeconds } = await limiter.consume(caller, units);
          if (allowed) return;
          const refusal = new TooManyRequestsError({
            ...(neverFits && { message: `This operation runs ${units} root fields, more than the rate limit allows in a minute; split it.` }),
            details: { retryAfterSeconds },
          });
          // Apollo (and the fast path) lift `http` into the response; the wire form leaves it out.
          const { status, headers } = httpAnswer(refusal);
          (refusal.extensions as Record<string, unknown>).http = { status, headers: new HeaderMap(Object.entries(headers)) };
          throw refusal;
        },
      };
    },
  };
}
