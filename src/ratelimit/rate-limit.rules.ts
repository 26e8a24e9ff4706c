// Pure rules of the rate limits (src/ratelimit): which budgets a caller draws from, and how many
// units an operation costs (one per root field graphql-js will execute). No I/O; unit-tested.
import { getVariableValues, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { collectFields } from 'graphql/execution/collectFields';
import type { RateLimitConfig } from '../config';

/** Who is charged: a project's backend (no session) or a session caller, from `clientIp`. */
export interface RateLimitCaller {
  readonly projectId: string;
  /** Set for a session caller. */
  readonly sessionId?: string | null;
  /** The client's address (behind TRUSTED_PROXIES, from X-Forwarded-For). */
  readonly clientIp?: string;
}

/** One budget a caller draws from: its counter's key and its per-minute limit in units. */
export interface Budget {
  readonly bucket: string;
  readonly limit: number;
}

/** The budgets `caller` draws from under `config`, ordered by bucket (the order rows are locked in). */
export function budgetsOf(config: RateLimitConfig, caller: RateLimitCaller): Budget[] {
  const budgets: Budget[] = [];
  if (!caller.sessionId) {
    if (config.requestsPerMinute > 0) budgets.push({ bucket: `project:${caller.projectId}`, limit: config.requestsPerMinute });
  } else {
    if (config.sessionRequestsPerMinute > 0) budgets.push({ bucket: `session:${caller.sessionId}`, limit: config.sessionRequestsPerMinute });
    if (config.ipRequestsPerMinute > 0 && caller.clientIp) budgets.push({ bucket: `ip:${caller.projectId}:${caller.clientIp}`, limit: config.ipRequestsPerMinute });
  }
  return budgets.sort((a, b) => (a.bucket < b.bucket ? -1 : 1));
}

/** Every operation costs at least this, even one whose fields are all skipped. */
export const MIN_UNITS = 1;

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
