// The REST facade's field names: Stytch's snake_case spelling of the GraphQL inputs' camelCase
// fields. Derived from the route schemas (rest.schemas.ts), so every field a REST caller can send
// is covered, and used to say a failure in the words the caller sent (`session_duration_minutes`,
// not `sessionDurationMinutes`).
import { GatewayError } from '../errors/error.catalogue';
import { REST_SCHEMAS } from './rest.schemas';

/** The GraphQL input spelling of a REST field (`session_duration_minutes` -> `sessionDurationMinutes`). */
const graphqlName = (restName: string) => restName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Every property name of a JSON schema, at any depth. */
function propertyNames(schema: unknown): string[] {
  const { properties } = (schema ?? {}) as { properties?: Record<string, unknown> };
  if (!properties) return [];
  return Object.entries(properties).flatMap(([name, child]) => [name, ...propertyNames(child)]);
}

/** GraphQL field name -> REST field name, for every field whose spellings differ. */
const REST_NAMES: ReadonlyMap<string, string> = new Map(
  Object.values(REST_SCHEMAS)
    .flatMap((schema) => [schema.body, schema.params, schema.querystring].flatMap(propertyNames))
    .filter((name) => graphqlName(name) !== name)
    .map((name) => [graphqlName(name), name]),
);

const GRAPHQL_NAME = new RegExp(`\\b(${[...REST_NAMES.keys()].join('|')})\\b`, 'g');

/** Text (a message, or a field path such as `name.firstName`) with every GraphQL field name in its REST spelling. */
function restSpelling(text: string): string {
  return text.replace(GRAPHQL_NAME, (name) => REST_NAMES.get(name) ?? name);
}

/**
 * The error as a REST caller should read it: its message and `field` detail naming fields as the
 * caller sent them. Code, error type, status and cause are kept; an error that names no GraphQL
 * field is returned as it is.
 */
export function inRestSpelling(error: GatewayError): GatewayError {
  const message = restSpelling(error.message);
  const field = typeof error.details.field === 'string' ? restSpelling(error.details.field) : undefined;
  if (message === error.message && field === error.details.field) return error;
  return new GatewayError(error.code, {
    errorType: error.errorType as never,
    message,
    details: { ...error.details, ...(field !== undefined && { field }) },
    cause: error.cause,
  });
}
