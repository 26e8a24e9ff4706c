// Apollo Server for /graphql, from the shared GraphQL settings (src/api/graphql.settings.ts)
// plus what only Apollo's own pipeline does: batching, CSRF prevention, the landing page and draining
// on close.
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config';
import { PUBLIC_TOKEN_HEADER } from '../auth/caller';
import type { GatewayContext } from '../graphql/context';
import type { GraphqlSettings } from './graphql.settings';
import type { ExplorerAssets } from '../explorer/explorer.assets';
import { explorerLandingPage } from '../explorer/explorer.page';

/**
 * An Apollo Server (not started) that runs operations with `settings`; its landing page is the
 * configured explorer (`explorerAssets` are required for GRAPHQL_EXPLORER=graphiql).
 */
export function buildApollo(config: Config, app: FastifyInstance, settings: GraphqlSettings, explorerAssets?: ExplorerAssets): ApolloServer<GatewayContext> {
  return new ApolloServer<GatewayContext>({
    schema: settings.schema,
    introspection: settings.introspection,
    // Each operation of a batch is executed, and counted against lockout, on its own.
    allowBatchedHttpRequests: true,
    // A request with any of these headers cannot be a "simple" cross-site request (it needs a CORS
    // preflight), so it may use GET; X-Public-Token is what every browser session caller sends.
    csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', PUBLIC_TOKEN_HEADER] },
    includeStacktraceInErrorResponses: false,
    parseOptions: settings.parseOptions,
    validationRules: [...settings.validationRules],
    formatError: settings.formatError,
    plugins: [
      fastifyApolloDrainPlugin(app),
      landingPage(config, explorerAssets),
      ...settings.plugins,
    ],
  });
}

/** Apollo Sandbox (from Apollo's servers), the gateway's own GraphiQL page, or none. */
function landingPage(config: Config, explorerAssets: ExplorerAssets | undefined): ApolloServerPlugin {
  if (config.graphql.explorer === 'sandbox') return ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false });
  if (config.graphql.explorer === 'graphiql' && explorerAssets) return explorerLandingPage(explorerAssets);
  return ApolloServerPluginLandingPageDisabled();
}
