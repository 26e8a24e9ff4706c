// What graphql-js's messages may tell a caller about the schema. With introspection off the schema
// is not public, yet graphql-js names schema elements in its messages: "Did you mean ...?" hints
// (fields, arguments, types, enum values, input fields, inline fragments) and the types and fields
// behind a mistake (`Value "X" does not exist in "AuthRole" enum.`, `Field "CreateSessionInput.userId"
// of required type "ID!" was not provided.`). OWASP's GraphQL Cheat Sheet ("Introspection + GraphiQL")
// lists suggestions as a way to rebuild a hidden schema. So:
//   - "Did you mean ...?" sentences are removed from every message, in every mode;
//   - with introspection off, each schema name that the caller did not send (in its document, or in
//     the variable value a coercion message quotes back) is replaced by `[hidden]`: any name inside a
//     quoted part of a message, and type names anywhere (graphql-scalars writes `JSONObject cannot
//     represent ...` unquoted). Names the caller sent stay, so the message still points at the mistake.
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedScalarType,
  isIntrospectionType,
  type GraphQLSchema,
} from 'graphql';

/** Every hint graphql-js appends: `Did you mean "a", "b", or "c"?`, `Did you mean the enum value "X"?`, `Did you mean to use an inline fragment on "T"?`. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;
/** Splits a message into unquoted and double-quoted parts (graphql-js quotes the names and values it reports). */
const QUOTED_PARTS = /("(?:[^"\\]|\\.)*")/;
/** graphql-js's variable coercion prefix, `Variable "$x" got invalid value <value> at "x.path"; `: all of it the caller sent. */
const VARIABLE_PREFIX = /^Variable "\$[_A-Za-z][_0-9A-Za-z]*" got invalid value [^;]*;/;
const NAME = /[_A-Za-z][_0-9A-Za-z]*/g;
/** Shown instead of a schema name the caller did not send. */
export const HIDDEN_NAME = '[hidden]';
/** Names every GraphQL server has (GraphQL spec §3.4.1 root operation types; built-in scalars are added from graphql-js). */
const PUBLIC_NAMES = new Set(['Query', 'Mutation', 'Subscription']);

/** The message without any "Did you mean ...?" sentence. */
export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/** The schema's own names: types, fields, arguments, input fields, enum values and directives (built-ins excluded). */
function schemaNames(schema: GraphQLSchema): Set<string> {
  const names = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type) || PUBLIC_NAMES.has(type.name)) continue;
    names.add(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        names.add(field.name);
        for (const arg of field.args) names.add(arg.name);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) names.add(field.name);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) names.add(value.name);
    }
  }
  for (const directive of schema.getDirectives()) {
    if (['include', 'skip', 'deprecated', 'specifiedBy', 'oneOf'].includes(directive.name)) continue;
    names.add(directive.name);
    for (const arg of directive.args) names.add(arg.name);
  }
  return names;
}

/** The policy for graphql-js messages of one server; see the file comment. */
export class ErrorDisclosure {
  private readonly hidden: ReadonlySet<string>;
  private readonly hiddenTypes: ReadonlySet<string>;

  /** `schemaPublic`: introspection is on, so naming schema elements reveals nothing. */
  constructor(schema: GraphQLSchema, private readonly schemaPublic: boolean) {
    this.hidden = schemaPublic ? new Set() : schemaNames(schema);
    this.hiddenTypes = new Set(Object.keys(schema.getTypeMap()).filter((name) => this.hidden.has(name)));
  }

  /** A graphql-js message as the caller may see it, given the document text the caller sent ('' if none). */
  message(message: string, sent: string): string {
    const stripped = withoutSuggestions(message);
    if (this.schemaPublic) return stripped;
    const words = new Set([...(sent.match(NAME) ?? []), ...(stripped.match(VARIABLE_PREFIX)?.[0].match(NAME) ?? [])]);
    const redact = (part: string, names: ReadonlySet<string>) => part.replace(NAME, (name) => (names.has(name) && !words.has(name) ? HIDDEN_NAME : name));
    return stripped
      .split(QUOTED_PARTS)
      .map((part, index) => redact(part, index % 2 === 1 ? this.hidden : this.hiddenTypes))
      .join('');
  }
}
