// Applies the per-project rate limit to every GraphQL operation, each operation of a batch on its
// own. It runs once the operation is parsed and validated and before it executes, so a refused one
// changes nothing. Requests without valid credentials are not counted (@auth refuses them anyway).
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { TooManyRequestsError } from '../errors/error.catalogue';
import type { GatewayContext } from '../graphql/context';
import type { RateLimitService } from './rate-limit.service';

export function rateLimitPlugin(limiter: RateLimitService): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const project = contextValue.project;
      if (!project) return;
      return {
        async didResolveOperation() {
          const { allowed, retryAfterSeconds } = await limiter.consume(project.projectId);
          if (allowed) return;
          throw new TooManyRequestsError({
            details: {
              retryAfterSeconds,
              // Apollo lifts `http` into the response (429 and Retry-After) and formatError drops it.
              http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
            },
          });
        },
      };
    },
  };
}
