// Applies the rate limits to every GraphQL operation, each operation of a batch on its own. It runs
// once the operation is parsed and validated and before it executes, and charges one unit per root
// field that will execute (each alias on its own, through fragments, after @skip/@include), so 50
// aliased mutations cost 50. An operation that does not fit the caller's remaining budget is refused
// whole with TOO_MANY_REQUESTS and spends nothing: a partial run would leave the client unsure which
// fields ran. Requests without valid credentials are not counted (@auth refuses them anyway).
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { getVariableValues, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type DocumentNode } from 'graphql';
import { collectFields } from 'graphql/execution/collectFields';
import { TooManyRequestsError } from '../errors/error.catalogue';
import type { GatewayContext } from '../graphql/context';
import type { RateLimitService } from './rate-limit.service';

/** Every operation costs at least this, even one whose fields are all skipped. */
const MIN_UNITS = 1;

export function rateLimitPlugin(limiter: RateLimitService): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const project = contextValue.project;
      if (!project) return;
      const caller = { projectId: project.projectId, sessionId: contextValue.session?.sessionId ?? null, clientIp: contextValue.clientIp };
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          // Apollo resolves an operation before this hook; without one nothing executes but it still costs a unit.
          const units = operation ? rootFieldUnits(schema, document, operation, request.variables ?? {}) : MIN_UNITS;
          const { allowed, neverFits, retryAfterSeconds } = await limiter.consume(caller, units);
          if (allowed) return;
          throw new TooManyRequestsError({
            ...(neverFits && { message: `This operation runs ${units} root fields, more than the rate limit allows in a minute; split it.` }),
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

/**
 * The root fields graphql-js will execute for `operation`: one per response key (alias or name),
 * fragments flattened, @skip/@include applied with the request's variables. When the variables do
 * not coerce (execution will then refuse them), every selected key counts, @skip/@include ignored.
 */
export function rootFieldUnits(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): number {
  const rootType = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!rootType) return MIN_UNITS;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) if (definition.kind === 'FragmentDefinition') fragments[definition.name.value] = definition;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  const values = coerced.coerced ?? {};
  const keys = coerced.errors ? allResponseKeys(operation, fragments) : collectFields(schema, fragments, values, rootType, operation.selectionSet).size;
  return Math.max(MIN_UNITS, keys);
}

/** Distinct response keys of the root selection set, through fragments, skipped ones included. */
function allResponseKeys(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>): number {
  const keys = new Set<string>();
  const seen = new Set<string>();
  const visit = (selections: OperationDefinitionNode['selectionSet']['selections']): void => {
    for (const selection of selections) {
      if (selection.kind === 'Field') keys.add((selection.alias ?? selection.name).value);
      else if (selection.kind === 'InlineFragment') visit(selection.selectionSet.selections);
      else if (!seen.has(selection.name.value) && fragments[selection.name.value]) {
        seen.add(selection.name.value);
        visit(fragments[selection.name.value].selectionSet.selections);
      }
    }
  };
  visit(operation.selectionSet.selections);
  return keys.size;
}
