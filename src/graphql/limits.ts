// Per-operation limits, checked before anything executes: graphql-armor's alias, depth, directive and
// cost rules, graphql-js's own token limit while parsing, and a root-field rule of ours. Every refusal
// is a catalogue error (HTTP 400) naming the limit; the numbers come from src/config.ts.
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Config } from '../config';
import { GatewayError, type ErrorCode } from '../errors/error.catalogue';

type Limits = Config['operationLimits'];
type LimitCode = Extract<ErrorCode, 'TOO_MANY_ALIASES' | 'QUERY_TOO_DEEP' | 'TOO_MANY_TOKENS' | 'TOO_MANY_DIRECTIVES' | 'QUERY_TOO_COMPLEX' | 'TOO_MANY_ROOT_FIELDS'>;

const DESCRIPTIONS: Record<LimitCode, (limit: number) => string> = {
  TOO_MANY_ALIASES: (n) => `An operation may use at most ${n} aliases; split it into several operations.`,
  QUERY_TOO_DEEP: (n) => `An operation may nest selections at most ${n} levels deep; select fewer nested fields.`,
  TOO_MANY_TOKENS: (n) => `An operation document may have at most ${n} tokens; send a shorter operation.`,
  TOO_MANY_DIRECTIVES: (n) => `An operation may use at most ${n} directives; remove some.`,
  QUERY_TOO_COMPLEX: (n) => `An operation may cost at most ${n} points; select fewer fields or split it.`,
  TOO_MANY_ROOT_FIELDS: (n) => `An operation may select at most ${n} root fields; split it into several operations.`,
};

function limitError(code: LimitCode, limit: number): GatewayError {
  return new GatewayError(code, { message: DESCRIPTIONS[code](limit), details: { limit } });
}

/**
 * graphql-armor calls these instead of throwing (propagateOnRejection: false): the rejection becomes
 * one validation error, so Apollo answers 400 and executes nothing.
 */
const reportAs = (code: LimitCode, limit: number) => (context: ValidationContext | null, _armorError: GraphQLError) => {
  context?.reportError(limitError(code, limit));
};

const rejecting = (code: LimitCode, n: number) => ({ n, onReject: [reportAs(code, n)], propagateOnRejection: false });

/** The distinct response keys one selection set yields, fragments (spread or inline) flattened. */
function responseKeys(context: ValidationContext, selectionSet: SelectionSetNode, keys: Set<string>, fragments: Set<string>): Set<string> {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      keys.add((selection.alias ?? selection.name).value);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      responseKeys(context, selection.selectionSet, keys, fragments);
    } else if (!fragments.has(selection.name.value)) {
      // A fragment spread twice adds nothing new (and a cyclic one is NoFragmentCyclesRule's to report).
      fragments.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      if (fragment) responseKeys(context, fragment.selectionSet, keys, fragments);
    }
  }
  return keys;
}

/**
 * At most `max` root fields per operation, counted as graphql-js executes them: one per distinct
 * response key (alias or name), through fragments. Each root mutation field is one unit of work.
 */
function maxRootFieldsRule(max: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const count = responseKeys(context, operation.selectionSet, new Set(), new Set()).size;
      if (count > max) context.reportError(limitError('TOO_MANY_ROOT_FIELDS', max));
    },
  });
}

/**
 * The schema has no Subscription type and HTTP cannot carry one: refuse `subscription` operations
 * while validating (graphql-js would otherwise fail them only at execution, as an internal error).
 */
const noSubscriptionsRule: ValidationRule = (context) => ({
  OperationDefinition(operation) {
    if (operation.operation === 'subscription') {
      context.reportError(new GraphQLError('Subscriptions are not supported; send a query or a mutation.', { nodes: [operation] }));
    }
  },
});

// graphql 16 says "more that N tokens" (sic); accept the corrected spelling too.
const TOKEN_LIMIT_MESSAGE = /Document contains more (?:than|that) \d+ tokens/;

/**
 * graphql-js enforces `maxTokens` while parsing (armor's Apollo token plugin throws from a hook,
 * which Apollo turns into a 500); Apollo reports the parse error as GRAPHQL_PARSE_FAILED. This
 * recognises it so formatError can answer TOO_MANY_TOKENS instead.
 */
export function tokenLimitError(error: unknown, limits: Limits): GatewayError | undefined {
  for (let e: unknown = error; e instanceof Error; e = (e as GraphQLError).originalError) {
    if (TOKEN_LIMIT_MESSAGE.test(e.message)) return limitError('TOO_MANY_TOKENS', limits.maxTokens);
  }
  return undefined;
}

export interface OperationLimits {
  readonly plugins: ApolloServerPlugin[];
  readonly validationRules: ValidationRule[];
  readonly parseOptions: ParseOptions;
}

/** Everything ApolloServer needs to enforce the limits: spread into its config. */
export function operationLimits(limits: Limits): OperationLimits {
  const armor = new ApolloArmor({
    maxAliases: rejecting('TOO_MANY_ALIASES', limits.maxAliases),
    // Fragments flattened: depth and cost measure the response's nesting, which a fragment does not
    // add to (the schema's deepest path, e.g. authenticateTotp.user.totps.totpId, is 4).
    maxDepth: { ...rejecting('QUERY_TOO_DEEP', limits.maxDepth), flattenFragments: true },
    maxDirectives: rejecting('TOO_MANY_DIRECTIVES', limits.maxDirectives),
    costLimit: { maxCost: limits.maxCost, flattenFragments: true, onReject: [reportAs('QUERY_TOO_COMPLEX', limits.maxCost)], propagateOnRejection: false },
    maxTokens: { enabled: false },
    // Off: armor's masking misses enum-value hints; formatError strips every "Did you mean ...?"
    // itself (src/graphql/error-disclosure.ts), on Apollo's path and the fast path alike.
    blockFieldSuggestion: { enabled: false },
  });
  // Only the plugins and rules: protect() also returns allowBatchedHttpRequests: false, and the
  // gateway batches on purpose (each operation counts against lockout on its own).
  const { plugins, validationRules } = armor.protect();
  return {
    plugins,
    validationRules: [...validationRules, maxRootFieldsRule(limits.maxRootFields), noSubscriptionsRule],
    parseOptions: { maxTokens: limits.maxTokens },
  };
}
