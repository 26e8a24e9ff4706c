// Pure rules of the rate limits (src/ratelimit): which budgets a caller draws from, and how many
// units an operation costs (one per root field graphql-js will execute). No I/O; unit-tested.
import { isIP } from 'node:net';
import { getVariableValues, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { collectFields } from 'graphql/execution/collectFields';
import type { RateLimitConfig } from '../config';

/** Who is charged: a project's backend (no session) or a session caller, from `clientIp`. */
export interface RateLimitCaller {
  readonly projectId: string;
  /** Set for a session caller. */
  readonly sessionId?: string | null;
  /** The client's address (behind TRUSTED_PROXIES, from X-Forwarded-For): any text, judged here. */
  readonly clientIp?: string;
  /** The TCP peer's address, charged when `clientIp` is not an IP address. */
  readonly peerIp?: string;
}

/** One budget a caller draws from: its counter's key and its per-minute limit in units. */
export interface Budget {
  readonly bucket: string;
  readonly limit: number;
}

/** An IPv6 address has eight 16-bit groups (RFC 4291 §2.2). */
const IPV6_GROUPS = 8;
/** Groups of an IPv6 address's /64 prefix: one subscriber's usual assignment (RFC 6177 §2, RFC 7421). */
const IPV6_SUBSCRIBER_GROUPS = 4;
/** `::ffff:0:0/96`, IPv4-mapped IPv6 addresses (RFC 4291 §2.5.5.2): the first six groups. */
const IPV4_MAPPED_GROUPS = [0, 0, 0, 0, 0, 0xffff];
/** The shared budget of callers with no usable address at all (never a fresh one each). */
const UNKNOWN_ADDRESS = 'unknown';

/** The eight groups of a valid IPv6 address text (`::` expanded, a dotted IPv4 tail folded, zone dropped). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const [a, b, c, d] = text.slice(lastColon + 1).split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const before = head ? head.split(':') : [];
  const after = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(IPV6_GROUPS - before.length - after.length).fill('0');
  return [...before, ...zeros, ...after].map((group) => parseInt(group, 16));
}

/**
 * The budget key of a client address, so one client cannot mint budgets by spelling its address
 * differently: null for anything that is not an IP address (node:net isIP); an IPv4 address as is
 * (isIP accepts only the dotted-decimal form); an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) as its
 * IPv4 address; any other IPv6 address (any spelling, zone ignored) as its /64 prefix in one text,
 * e.g. `2001:db8:0:0::/64`, since a single subscriber usually holds a whole /64 (RFC 6177).
 */
export function addressBudgetKey(address: string | null | undefined): string | null {
  if (!address) return null;
  const version = isIP(address);
  if (version === 4) return address;
  if (version !== 6) return null;
  const groups = ipv6Groups(address);
  if (IPV4_MAPPED_GROUPS.every((group, i) => groups[i] === group)) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
  }
  return `${groups.slice(0, IPV6_SUBSCRIBER_GROUPS).map((group) => group.toString(16)).join(':')}::/64`;
}

/**
 * The budgets `caller` draws from under `config`, ordered by bucket (the order rows are locked in).
 * A session caller's address budget is keyed by addressBudgetKey of its client address, or of its
 * TCP peer when the client address is not an IP address (a proxy forwarding junk), or else one
 * shared `unknown` budget.
 */
export function budgetsOf(config: RateLimitConfig, caller: RateLimitCaller): Budget[] {
  const budgets: Budget[] = [];
  if (!caller.sessionId) {
    if (config.requestsPerMinute > 0) budgets.push({ bucket: `project:${caller.projectId}`, limit: config.requestsPerMinute });
  } else {
    if (config.sessionRequestsPerMinute > 0) budgets.push({ bucket: `session:${caller.sessionId}`, limit: config.sessionRequestsPerMinute });
    if (config.ipRequestsPerMinute > 0) {
      const address = addressBudgetKey(caller.clientIp) ?? addressBudgetKey(caller.peerIp) ?? UNKNOWN_ADDRESS;
      budgets.push({ bucket: `ip:${caller.projectId}:${address}`, limit: config.ipRequestsPerMinute });
    }
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
